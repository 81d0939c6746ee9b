// The console's backups services in one call: the backups feed on the S3
// settings the operator's configuration gives (env first, as `zpg backups`
// reads them), the clone preview, and a refresh after a backup task ends.
import type * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';
import { catalogSettingsFrom, loadBackupS3 } from '../backups/s3-sources.ts';
import type { ResolvedBackupS3 } from '../backups/s3-settings.ts';
import { planCloneManifest, type CloneRequest } from '../backups/clone-plan.ts';
import { startBackupsFeed, type BackupSource, type BackupsFeed } from './backups-feed.ts';

/** Bucket and endpoint as the screen names them; never credentials. */
export async function backupSourceFor(kc: k8s.KubeConfig, namespace: string, env: NodeJS.ProcessEnv = process.env): Promise<(BackupSource & { resolved: ResolvedBackupS3 }) | undefined> {
  const { settings } = await loadBackupS3(kc, { env, namespace });
  if (!settings.wal.bucket && !settings.logical.bucket) return undefined;
  const catalog = await catalogSettingsFrom(settings, 15_000);
  const bucket = settings.wal.bucket ?? settings.logical.bucket;
  return { settings: catalog, source: `s3://${bucket}${settings.wal.s3.endpoint ? ` at ${settings.wal.s3.endpoint}` : ''}`, resolved: settings };
}

/** Every postgresql's name and uid, cluster-wide (as `zpg backups --deleted` compares them). */
async function allClusters(kc: k8s.KubeConfig): Promise<{ name: string; uid: string }[]> {
  const { CustomObjectsApi } = await import('@kubernetes/client-node');
  const list = (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' })) as { items?: { metadata?: { name?: string; uid?: string } }[] };
  return (list.items ?? []).map((i) => ({ name: i.metadata?.name ?? '', uid: i.metadata?.uid ?? '' }));
}

export interface ConsoleBackups {
  feed: BackupsFeed;
  previewClone(args: CloneRequest): ReturnType<typeof planCloneManifest>;
  stop(): void;
}

export function startConsoleBackups(store: ZpgStore, kc: k8s.KubeConfig, namespace: string | undefined, env: NodeJS.ProcessEnv = process.env): ConsoleBackups {
  // one resolution of the S3 settings: the preview reads the same store the feed shows
  const source = backupSourceFor(kc, namespace ?? 'default', env);
  const feed = startBackupsFeed(store, { source: () => source, liveClusters: () => allClusters(kc) });
  // A logical backup or restore that ends changes the catalog: read that cluster again.
  const ended = new Set<string>();
  const unsubscribe = store.subscribe((s) => {
    for (const t of Object.values(s.tasks)) {
      if (t.state === 'running' || ended.has(t.id) || !/^logical-|^clone/.test(t.kind)) continue;
      ended.add(t.id);
      feed.refresh(t.cluster);
    }
  });
  return {
    feed,
    previewClone: async (args) => {
      const s = await source.catch(() => undefined);
      // the wizard's preview leads to its apply: --latest is then the present the clone task marks
      return planCloneManifest({ kc, namespace: args.namespace, ...(s ? { s3: s.resolved } : {}) }, { ...args, applying: true });
    },
    stop() {
      unsubscribe();
      feed.stop();
    },
  };
}
