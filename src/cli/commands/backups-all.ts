// `zpg backups` without a cluster: every cluster of the namespace (-A: of all
// of them), each read from its own store as its pods' WAL-G finds it
// (cluster-stores.ts: flags, env, its spec.env, its namespace's pod
// environment, the operator's configuration), in one table: the newest base
// backup, the restorable window and how far behind its end is, the newest
// logical backup. -o json/yaml: per cluster the object `zpg backups CLUSTER -o
// json` prints, plus `error` when it could not be read.
import type * as k8s from '@kubernetes/client-node';
import { UsageError } from '../errors.ts';
import { age, structured, table } from '../format.ts';
import type { ClusterBackups } from '../../services/backups/catalog.ts';
import type { BackupS3Flags, ResolvedBackupS3 } from '../../services/backups/s3-settings.ts';

export interface ListedPostgresql {
  metadata: { name: string; namespace: string; uid: string };
  spec?: { env?: k8s.V1EnvVar[] };
}

export interface AllBackupsInput {
  kc: k8s.KubeConfig;
  /** the namespace zpg works in; every namespace with allNamespaces */
  namespace: string;
  allNamespaces: boolean;
  postgresqls: ListedPostgresql[];
  flags: BackupS3Flags;
  operatorConfig?: string;
  format: 'table' | 'json' | 'yaml';
  env?: NodeJS.ProcessEnv;
}

type Entry = ClusterBackups & { error?: string };

/** clusters read at once: each is a chain of three round trips */
const AT_ONCE = 8;

/** "2026-12-07 06:36Z", and for the window's end on the same day only "06:37Z" */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}Z`;
const windowText = (from: string, to: string) => `${minute(from)} → ${to.slice(0, 10) === from.slice(0, 10) ? `${to.slice(11, 16)}Z` : minute(to)}`;

function note(e: Entry): string {
  if (e.error) return e.error;
  const w = e.window;
  const parts: string[] = [];
  if (!w.from) parts.push(e.baseBackups.length ? 'no base backup with its WAL archived' : 'no base backup');
  if (w.timelines.length) parts.push(`TL ${[w.timelines[0]!.parent, ...w.timelines.map((t) => t.timeline)].join('→')}`);
  if (w.gaps.length) parts.push(`${w.gaps.length} WAL gap${w.gaps.length > 1 ? 's' : ''}`);
  return parts.join(', ');
}

/** Prints the listing; the exit code: 1 when a cluster's store could not be read. */
export async function listAllBackups(i: AllBackupsInput): Promise<number> {
  const env = i.env ?? process.env;
  const [{ clusterStores }, { catalogSettingsFrom, loadOperatorS3 }, { sentinelCache }, { readClusterBackups, emptyWindow }, { storeName }] = await Promise.all([
    import('../../services/backups/cluster-stores.ts'),
    import('../../services/backups/s3-sources.ts'),
    import('../../services/backups/sentinel-cache-file.ts'),
    import('../../services/backups/catalog.ts'),
    import('../../services/backups/s3-settings.ts'),
  ]);
  const pgs = (i.allNamespaces ? i.postgresqls : i.postgresqls.filter((p) => p.metadata.namespace === i.namespace)).sort(
    (a, b) => a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name),
  );
  const operator = await loadOperatorS3(i.kc, { env, operatorConfig: i.operatorConfig, namespace: i.namespace }).catch((e: unknown) => {
    throw new UsageError(e instanceof Error ? e.message : String(e), 2);
  });
  // one sentinel cache for every store of this run (each would write the file over the others')
  const sentinels = sentinelCache(env);
  const stores = clusterStores(i.kc, {
    env,
    flags: i.flags,
    operator: async () => operator,
    homeNamespace: i.namespace,
    open: async (r: ResolvedBackupS3) => ({ settings: await catalogSettingsFrom(r, 20_000, sentinels), r }),
  });
  const read = async (pg: ListedPostgresql): Promise<Entry> => {
    const ref = { cluster: pg.metadata.name, namespace: pg.metadata.namespace, uid: pg.metadata.uid };
    const unread = (error: string): Entry => ({ ...ref, walBucket: null, walPrefixes: [], window: emptyWindow(), baseBackups: [], logicalBackups: [], lastArchivedWal: null, requests: 0, error });
    const store = await stores.forCluster({ namespace: ref.namespace, name: ref.cluster, env: pg.spec?.env }).catch((e: unknown) => e as Error);
    if (store instanceof Error) return unread(`S3 settings: ${store.message}`);
    if (!store) return unread('no backup bucket configured (wal_s3_bucket, WAL_S3_BUCKET in its spec.env, or --bucket)');
    return readClusterBackups(store.settings, ref).catch((e: unknown) => unread(`S3 ${storeName(store.r)}: ${e instanceof Error ? e.message || e.name : String(e)}`));
  };
  const entries: Entry[] = new Array(pgs.length);
  let next = 0;
  const work = async () => {
    while (next < pgs.length) {
      const n = next++;
      entries[n] = await read(pgs[n]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, pgs.length) }, work));
  await (await sentinels).flush();
  const failed = entries.some((e) => e.error?.startsWith('S3 ')) ? 1 : 0;

  if (i.format !== 'table') {
    process.stdout.write(structured(i.format, entries.map(({ requests: _requests, ...e }) => e)));
    return failed;
  }
  if (!entries.length) {
    process.stdout.write(i.allNamespaces ? 'No postgresql clusters in any namespace.\n' : `No postgresql clusters in namespace ${i.namespace}.\n`);
    return 0;
  }
  const newest = <T>(list: T[], time: (t: T) => string) => list.reduce<string | undefined>((m, t) => (m === undefined || time(t) > m ? time(t) : m), undefined);
  const rows = entries.map((e) => {
    const base = newest(e.baseBackups, (b) => b.finishTime);
    const logical = newest(e.logicalBackups, (l) => l.time);
    const w = e.window;
    return [
      ...(i.allNamespaces ? [e.namespace ?? ''] : []),
      e.cluster,
      base ? age(base) : '-',
      w.from && w.to ? windowText(w.from, w.to) : '-',
      w.to ? `${age(w.to)} ago` : '-',
      logical ? age(logical) : '-',
      note(e),
    ];
  });
  process.stdout.write(table([...(i.allNamespaces ? ['NAMESPACE'] : []), 'CLUSTER', 'BASE', 'RESTORABLE WINDOW (UTC)', 'UP TO', 'LOGICAL', 'NOTE'], rows));
  return failed;
}
