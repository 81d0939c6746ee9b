// Where each cluster's backups are, as its pods' WAL-G finds them: the
// environment zpg runs in, then the cluster's spec.env (Secret references
// read), then its namespace's pod environment, then the operator's
// configuration (resolveBackupS3). Shared by the console's backups feed and the
// daemon's backup metrics. A namespace's pod environment is read once, a
// cluster resolved again only when its spec.env changes or `ttlMs` has passed
// (a rotated Secret), and clusters on one store share what `open` made of it
// (one S3 client).
import type * as k8s from '@kubernetes/client-node';
import { clusterEnvSource, inNamespace, type OperatorS3 } from './s3-sources.ts';
import { resolveBackupS3, type BackupS3Flags, type ResolvedBackupS3 } from './s3-settings.ts';

export interface ClusterEnvRef {
  namespace: string;
  name: string;
  env?: k8s.V1EnvVar[];
}

export interface ClusterStores<T> {
  /** the store of a cluster that says nothing itself: the environment and the operator's configuration */
  byDefault(): Promise<T | undefined>;
  /** undefined: nothing names a bucket for this cluster */
  forCluster(c: ClusterEnvRef): Promise<T | undefined>;
  /** drops what is kept of clusters not in `live` ("namespace/name"): they were deleted */
  retain(live: Set<string>): void;
}

export interface ClusterStoresOptions<T> {
  env: NodeJS.ProcessEnv;
  /** the command line's, above everything else */
  flags?: BackupS3Flags;
  /** the operator's side, asked again after ttlMs; the default store is resolved with it as it is */
  operator: () => Promise<OperatorS3>;
  /** the namespace whose pod environment `operator` already holds, if any */
  homeNamespace?: string;
  /** what a store is used through (a client, a name for the screen); made once per store */
  open: (r: ResolvedBackupS3) => Promise<T>;
  /** how long a resolution is kept; forever without it */
  ttlMs?: number;
  now?: () => number;
}

/** The same store, reached the same way. */
export const storeKey = (r: ResolvedBackupS3) => JSON.stringify([r.wal.bucket, r.wal.s3, r.logical.bucket, r.logical.prefix, r.logical.s3, r.scopePrefix]);

const hasBucket = (r: ResolvedBackupS3) => Boolean(r.wal.bucket || r.logical.bucket);

interface Kept<V> {
  at: number;
  /** what it was made from (a cluster's spec.env): another one makes it again */
  from: string;
  value: Promise<V>;
}

export function clusterStores<T>(kc: k8s.KubeConfig, o: ClusterStoresOptions<T>): ClusterStores<T> {
  const now = o.now ?? Date.now;
  const fresh = (k: Kept<unknown> | undefined, from: string) => k !== undefined && k.from === from && (o.ttlMs === undefined || now() - k.at < o.ttlMs);
  /** a kept promise that is forgotten when it fails: an API or Secret that did not answer is asked again next time */
  const keep = <V>(map: Map<string, Kept<V>>, key: string, make: () => Promise<V>, from = ''): Promise<V> => {
    const known = map.get(key);
    if (known && fresh(known, from)) return known.value;
    const value = make();
    const kept = { at: now(), from, value };
    map.set(key, kept);
    value.catch(() => {
      if (map.get(key) === kept) map.delete(key);
    });
    return value;
  };
  const operators = new Map<string, Kept<OperatorS3>>();
  const stores = new Map<string, Promise<T>>();
  const clusters = new Map<string, Kept<T | undefined>>();
  const defaults = new Map<string, Kept<T | undefined>>();

  const operatorIn = (ns: string) => keep(operators, ns, async () => {
    const base = await o.operator();
    return ns === o.homeNamespace ? base : inNamespace(kc, base, ns);
  });
  const open = (r: ResolvedBackupS3): Promise<T | undefined> => {
    if (!hasBucket(r)) return Promise.resolve(undefined);
    const key = storeKey(r);
    let s = stores.get(key);
    if (!s) {
      stores.set(key, (s = o.open(r)));
      s.catch(() => stores.delete(key));
    }
    return s;
  };
  const byDefault = () => keep(defaults, '', async () => open(resolveBackupS3({ flags: o.flags, env: o.env, operatorConfig: (await o.operator()).operatorConfig })));
  return {
    byDefault,
    forCluster(c) {
      // a changed spec.env is resolved again at once
      const make = async () => {
        const [op, clusterEnv] = await Promise.all([operatorIn(c.namespace), clusterEnvSource(kc, c.namespace, c.name, c.env)]);
        return open(resolveBackupS3({ flags: o.flags, env: o.env, operatorConfig: op.operatorConfig, clusterEnv }));
      };
      return keep(clusters, `${c.namespace}/${c.name}`, make, JSON.stringify(c.env ?? []));
    },
    retain(live) {
      for (const id of clusters.keys()) if (!live.has(id)) clusters.delete(id);
    },
  };
}
