// The console's backups services in one call: the backups feed on the S3
// settings the operator's configuration gives (env first, as `zpg backups`
// reads them), each cluster on its own store when its spec.env (or its
// namespace's pod environment) points elsewhere, as its pods' WAL-G does; the
// clone preview on the same store the feed shows; and a refresh after a backup
// task ends.
import type * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';
import { catalogSettingsFrom, clusterEnvSource, inNamespace, loadOperatorS3, type OperatorS3 } from '../backups/s3-sources.ts';
import { resolveBackupS3, type ResolvedBackupS3 } from '../backups/s3-settings.ts';
import { planCloneManifest, type CloneRequest } from '../backups/clone-plan.ts';
import { startBackupsFeed, type BackupSource, type BackupsFeed, type FeedManifest } from './backups-feed.ts';

export type ResolvedSource = BackupSource & { resolved: ResolvedBackupS3 };

/** Bucket and endpoint as the screen names them; never credentials. */
const sourceName = (r: ResolvedBackupS3) => `s3://${r.wal.bucket ?? r.logical.bucket}${r.wal.s3.endpoint ? ` at ${r.wal.s3.endpoint}` : ''}`;

/** The same store, reached the same way: one client serves every cluster on it. */
const storeKey = (r: ResolvedBackupS3) => JSON.stringify([r.wal.bucket, r.wal.s3, r.logical.bucket, r.logical.prefix, r.logical.s3, r.scopePrefix]);

async function sourceOf(r: ResolvedBackupS3): Promise<ResolvedSource | undefined> {
  if (!r.wal.bucket && !r.logical.bucket) return undefined;
  return { settings: await catalogSettingsFrom(r, 15_000), source: sourceName(r), resolved: r };
}

async function defaultSource(operator: Promise<OperatorS3>, env: NodeJS.ProcessEnv): Promise<ResolvedSource | undefined> {
  return sourceOf(resolveBackupS3({ env, operatorConfig: (await operator).operatorConfig }));
}

/**
 * Each cluster's store: the default one unless its spec.env or its namespace's pod environment says otherwise.
 * Resolved again when the cluster's env changes; clusters on the same store share its client.
 */
function clusterSources(kc: k8s.KubeConfig, namespace: string, env: NodeJS.ProcessEnv, operator: Promise<OperatorS3>, fallback: Promise<ResolvedSource | undefined>) {
  // the configuration is found once; a namespace's pod environment is read once
  const operators = new Map<string, Promise<OperatorS3>>([[namespace, operator]]);
  const stores = new Map<string, Promise<ResolvedSource | undefined>>();
  const byCluster = new Map<string, { env: string; source: Promise<ResolvedSource | undefined> }>();
  const operatorFor = (ns: string) => {
    let o = operators.get(ns);
    if (!o) {
      operators.set(ns, (o = operator.then((base) => inNamespace(kc, base, ns))));
      // an API that did not answer is asked again on the next read
      o.catch(() => operators.delete(ns));
    }
    return o;
  };
  const resolve = async (pg: FeedManifest): Promise<ResolvedSource | undefined> => {
    const ns = pg.metadata?.namespace ?? namespace;
    const specEnv = pg.spec?.env as k8s.V1EnvVar[] | undefined;
    const [op, clusterEnv, base] = await Promise.all([operatorFor(ns), clusterEnvSource(kc, ns, pg.metadata?.name ?? '', specEnv), fallback]);
    const r = resolveBackupS3({ env, operatorConfig: op.operatorConfig, clusterEnv });
    const key = storeKey(r);
    if (base && key === storeKey(base.resolved)) return base;
    let s = stores.get(key);
    if (!s) stores.set(key, (s = sourceOf(r)));
    return s;
  };
  return (pg: FeedManifest): Promise<ResolvedSource | undefined> => {
    const id = `${pg.metadata?.namespace ?? namespace}/${pg.metadata?.name ?? ''}`;
    const envText = JSON.stringify(pg.spec?.env ?? []);
    const known = byCluster.get(id);
    if (known?.env === envText) return known.source;
    // a Secret it names may be unreadable for now: try again on the next read
    const source = resolve(pg).catch((e: unknown) => {
      byCluster.delete(id);
      throw e;
    });
    byCluster.set(id, { env: envText, source });
    return source;
  };
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
  const source = defaultSource(operator, env);
  const sourceFor = clusterSources(kc, ns, env, operator.catch(() => ({ note: '' })), source.catch(() => undefined));
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
