// What the backups keys put on screen in place of the view: a modal (wizard),
// the browser, or one cluster's backups. The app mounts this one component.
import type { BackupsState } from '../../services/live/backups-types.ts';
import type { ZpgStore } from '../../store/store.ts';
import { BackupsBrowser } from './backups-browser.tsx';
import { liveClusters, type BackupsScreen } from './backups-keys.ts';
import { BackupsSection } from './backups-section.tsx';
import { BackupsWizard } from './backups-wizard-view.tsx';
import { browserEntries, type BackupsModal } from './backups-wizard.ts';

export interface BackupsScreensProps {
  store: ZpgStore;
  screen?: BackupsScreen;
  modal?: BackupsModal;
  backups: BackupsState;
  width: number;
  height: number;
}

export function BackupsScreens({ store, screen, modal, backups, width, height }: BackupsScreensProps) {
  const now = Date.now();
  if (modal) return <BackupsWizard modal={modal} height={height} />;
  if (screen?.kind === 'section') return <BackupsSection cluster={screen.cluster} view={backups.clusters[screen.cluster]} backups={backups} width={width} height={height} now={now} cursor={screen.cursor} />;
  if (screen?.kind === 'browser') {
    const s = store.getState();
    const entries = browserEntries({ backups, live: liveClusters(s.postgresqls), namespace: s.context.namespace ?? 'default' });
    return <BackupsBrowser entries={entries} cursor={Math.min(screen.cursor, Math.max(0, entries.length - 1))} backups={backups} width={width} height={height} now={now} />;
  }
  return null;
}
