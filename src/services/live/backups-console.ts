// The console's backups services in one call: the backups feed on the S3
// settings the operator's configuration gives (env first, as `zpg backups`
// reads them), each cluster on its own store when its spec.env (or its
// namespace's pod environment) points elsewhere, as its pods' WAL-G does; the
// clone preview on the same store the feed shows; and a refresh after a backup
// task ends.
import type * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';
import { clusterStores } from '../backups/cluster-stores.ts';
import { catalogSettingsFrom, loadOperatorS3 } from '../backups/s3-sources.ts';
import { sentinelCache } from '../backups/sentinel-cache-file.ts';
import { storeName, type ResolvedBackupS3 } from '../backups/s3-settings.ts';
import { planCloneManifest, type CloneRequest } from '../backups/clone-plan.ts';
import { startBackupsFeed, type BackupSource, type BackupsFeed, type FeedManifest } from './backups-feed.ts';

export type ResolvedSource = BackupSource & { resolved: ResolvedBackupS3 };


async function sourceOf(r: ResolvedBackupS3, sentinels: ReturnType<typeof sentinelCache>): Promise<ResolvedSource> {
  return { settings: await catalogSettingsFrom(r, 15_000, sentinels), source: storeName(r), resolved: r };
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
  // one resolution of the default S3 settings: the preview reads the same stores the feed shows
  const ns = namespace ?? 'default';
  const operator = loadOperatorS3(kc, { env, namespace: ns });
  // one sentinel cache for every store: each would otherwise write the file over the others'
  const sentinels = sentinelCache(env);
  const stores = clusterStores(kc, { env, operator: () => operator, homeNamespace: ns, open: (r) => sourceOf(r, sentinels) });
  const source = stores.byDefault();
  const sourceFor = (pg: FeedManifest) => stores.forCluster({ namespace: pg.metadata?.namespace ?? ns, name: pg.metadata?.name ?? '', env: pg.spec?.env as k8s.V1EnvVar[] | undefined });
  const feed = startBackupsFeed(store, { source: () => source, sourceFor, liveClusters: () => allClusters(kc) });
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
      // a live cluster's own store (its spec.env may name another bucket); a deleted one's is the default
      const pg = args.uid ? undefined : (store.getState().postgresqls[`${args.namespace}/${args.cluster}`] as FeedManifest | undefined);
      const s = await (pg ? sourceFor(pg) : source).catch(() => undefined);
      // the wizard's preview leads to its apply: --latest is then the present the clone task marks
      return planCloneManifest({ kc, namespace: args.namespace, ...(s ? { s3: s.resolved } : {}) }, { ...args, applying: true });
    },
    stop() {
      unsubscribe();
      feed.stop();
    },
  };
}
