// The backups keys of the console: b opens the open cluster's backups, B the
// browser of every cluster in the bucket (deleted ones too), and L, D, C open
// the logical backup, logical restore and clone modals. Effects go to the
// services through the console's actions: tasks through runTask, the clone
// preview through previewClone. Keeps its own screen and modal state, so the
// app only asks it first.
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import type { ZpgStore } from '../../store/store.ts';
import { emptyBackups } from '../../services/live/backups-types.ts';
import { actionFor, usableBindings, type KeyFocus, type ViewName } from '../keymap.ts';
import type { TaskActions } from '../use-task-keys.ts';
import { backupsModalKey, browserEntries, openBackupModal, sectionRows, type BackupsContext, type BackupsEffect, type BackupsModal, type ClonePreview, type ClonePreviewArgs, type LiveCluster } from './backups-wizard.ts';

export interface BackupActions {
  /** planCloneManifest for the clone wizard's preview */
  previewClone?(args: ClonePreviewArgs): Promise<ClonePreview>;
  /** read a cluster's catalog again now (after a backup task) */
  refreshBackups?(key?: string): void;
}

/** `cursor`: the selected row (the browser's cluster; on b, a base or logical backup as sectionRows lists them, -1 for none until ↑/↓) */
export type BackupsScreen = { kind: 'section'; cluster: string; cursor: number } | { kind: 'browser'; cursor: number };

const EMPTY = emptyBackups();

const MINE = new Set(['backups', 'backupBrowser', 'logicalBackup', 'logicalRestore', 'clone']);

type Manifest = { metadata?: { name?: string; namespace?: string; uid?: string }; spec?: { databases?: Record<string, string> } };

export function liveClusters(postgresqls: Record<string, unknown>): LiveCluster[] {
  return Object.values(postgresqls as Record<string, Manifest>)
    .map((p) => ({ namespace: p.metadata?.namespace ?? '', name: p.metadata?.name ?? '', uid: p.metadata?.uid ?? '', databases: Object.keys(p.spec?.databases ?? {}).sort() }))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}

/** `shown`: the list or a cluster is on screen (the catalog re-renders the console only then); `height`: the rows the wizard gets */
export function useBackupKeys(store: ZpgStore, actions: TaskActions & BackupActions, page: number, shown = true, height?: number) {
  const [screen, setScreenState] = useState<BackupsScreen | undefined>();
  const [modal, setModalState] = useState<BackupsModal | undefined>();
  const current = useRef<{ screen?: BackupsScreen; modal?: BackupsModal }>({});
  const setScreen = (s: BackupsScreen | undefined) => {
    current.current.screen = s;
    setScreenState(s);
  };
  const setModal = (m: BackupsModal | undefined) => {
    current.current.modal = m;
    setModalState(m);
  };
  const browsing = screen?.kind === 'browser';
  // The feed lists the bucket for deleted clusters only while the browser is on screen.
  useEffect(() => store.getState().setBackups((b) => (b.browsing === browsing ? {} : { browsing })), [store, browsing]);
  const wanted = shown || Boolean(screen || modal);
  const backups = useStore(store, (s) => (wanted ? s.backups : EMPTY));

  const context = (): BackupsContext => {
    const s = store.getState();
    return { readOnly: actions.readOnly === true, backups: s.backups, live: liveClusters(s.postgresqls), namespace: s.context.namespace ?? 'default', height };
  };

  const dispatch = (e: BackupsEffect) => {
    const say = store.getState().say;
    if (e.type === 'error') return say('error', e.text);
    if (e.type === 'preview') {
      if (!actions.previewClone) return setModal(current.current.modal?.kind === 'clone' ? { ...current.current.modal, error: 'the clone preview is not available in this session' } : undefined);
      const asked = e.args;
      actions.previewClone(asked).then(
        (preview) => {
          const m = current.current.modal;
          if (m?.kind === 'clone' && m.step === 'preview' && m.to === asked.to) setModal({ ...m, preview });
        },
        (err: unknown) => {
          const m = current.current.modal;
          if (m?.kind === 'clone' && m.step === 'preview') setModal({ ...m, error: err instanceof Error ? err.message : String(err) });
        },
      );
      return;
    }
    if (!actions.runTask) return say('error', 'tasks are not available in this session');
    actions.runTask(e.request, e.namespace);
  };

  /** The source a key on the current screen acts on: the browser's row, else the open cluster. */
  const sourceOf = (ctx: BackupsContext, open: string | undefined) => {
    const sc = current.current.screen;
    if (sc?.kind === 'browser') return browserEntries(ctx)[sc.cursor]?.source;
    const key = sc?.kind === 'section' ? sc.cluster : open;
    const c = key ? ctx.live.find((l) => `${l.namespace}/${l.name}` === key) : undefined;
    return c ? { cluster: c.name, namespace: c.namespace, uid: c.uid, deleted: false } : undefined;
  };

  /** The view the keymap is read for: the browser and the section are views of their own. */
  const viewFor = (view: ViewName): ViewName => {
    const sc = current.current.screen;
    return sc?.kind === 'browser' ? 'backups' : sc?.kind === 'section' ? 'cluster' : view;
  };

  /** true when the key was ours. `open`: the cluster open in the detail view. */
  const handle = (name: string, view: ViewName, focus: KeyFocus | undefined, open: string | undefined): boolean => {
    const ctx = context();
    if (current.current.modal) {
      const r = backupsModalKey(current.current.modal, name, ctx);
      setModal(r.modal);
      if (r.effect) dispatch(r.effect);
      return true;
    }
    const sc = current.current.screen;
    const action = actionFor(viewFor(view), name, focus);
    if (sc) {
      // quit, a command and the task pane (t, read in the view underneath) work on these screens too
      if (action === 'quit' || action === 'command' || actionFor(view, name, focus) === 'tasks') return false;
      if (action === 'back' || action === 'backups' || action === 'backupBrowser') {
        setScreen(undefined);
        return true;
      }
      const step: Record<string, number> = { up: -1, down: 1, pageUp: -page, pageDown: page, top: -Infinity, bottom: Infinity };
      if (action && action in step) {
        const n = sc.kind === 'browser' ? browserEntries(ctx).length : sectionRows(ctx.backups.clusters[sc.cluster]).length;
        const to = Math.max(0, Math.min(n - 1, sc.cursor + step[action]));
        setScreen({ ...sc, cursor: Number.isFinite(to) ? to : 0 });
        return true;
      }
      if (action === 'logicalBackup' || action === 'logicalRestore' || action === 'clone') open1(action, ctx, open);
      // everything else waits until the screen is closed
      return true;
    }
    if (!action || !MINE.has(action)) return false;
    if (action === 'backups') {
      if (open) setScreen({ kind: 'section', cluster: open, cursor: -1 });
      actions.refreshBackups?.(open);
      return true;
    }
    if (action === 'backupBrowser') {
      setScreen({ kind: 'browser', cursor: 0 });
      return true;
    }
    open1(action as 'logicalBackup' | 'logicalRestore' | 'clone', ctx, open);
    return true;
  };

  const open1 = (action: 'logicalBackup' | 'logicalRestore' | 'clone', ctx: BackupsContext, open: string | undefined) => {
    // on b, the wizard starts on the backup selected there
    const sc = current.current.screen;
    const picked = sc?.kind === 'section' ? sectionRows(ctx.backups.clusters[sc.cluster])[sc.cursor] : undefined;
    const r = openBackupModal(action, sourceOf(ctx, open), ctx, picked);
    setModal(r.modal);
    if (r.effect) dispatch(r.effect);
  };

  const close = () => {
    setScreen(undefined);
    setModal(undefined);
  };

  const hints = modal ? modalHints(modal) : screen ? backupHints(screen.kind === 'browser' ? 'backups' : 'section', actions.readOnly === true) : undefined;
  /** a backups screen or modal has the keys (and the body) */
  const busy = () => Boolean(current.current.screen || current.current.modal);
  return { screen, modal, backups, handle, close, hints, busy, shown: Boolean(screen || modal) };
}

/** On one cluster's backups (b) the cluster view's keys that act there. */
const SECTION = new Set(['back', 'clone', 'logicalRestore', 'logicalBackup', 'command', 'quit']);

/** The hints line on a backups screen: its keys from the table, the task keys included (hidden under --read-only). */
export function backupHints(screen: 'backups' | 'section', readOnly: boolean): string {
  const here = (b: { action: string; views: ViewName[]; hint?: boolean }) =>
    screen === 'backups' ? b.views.includes('backups') && (b.hint || MINE.has(b.action)) : b.views.includes('cluster') && SECTION.has(b.action) && (b.hint || MINE.has(b.action));
  return usableBindings(readOnly)
    .filter(here)
    .map((b) => `${b.label} ${b.short ?? b.help}`)
    .join('  ');
}

function modalHints(m: BackupsModal): string {
  if (m.kind === 'backup-now') return 'y start  n/esc cancel';
  const typing = (m.kind === 'logical-restore' && (m.step === 'name' || (m.step === 'confirm' && m.force))) || (m.kind === 'clone' && (m.step === 'time' || m.step === 'name'));
  if (typing) return 'type, enter to go on  esc cancel';
  if (m.kind === 'clone' && m.step === 'preview') return m.error ? 'enter change the time  esc cancel' : 'y/enter apply  ↑/↓ scroll  n/esc cancel';
  if (m.kind === 'logical-restore' && m.step === 'confirm') return 'y/enter restore  n/esc cancel';
  return '↑/↓ pick  enter next  esc cancel';
}
