// Per-cluster backup health for /metrics, read from the S3 catalog: when the
// newest base and logical backups finished, when the newest WAL segment was
// archived, and where the restorable window ends. Only for a cluster whose
// store is named somewhere (the operator's bucket, its spec.env, its pod
// environment); each cluster's catalog is read once per interval (default 5
// minutes; a few requests each, never one per WAL file), a few at a time,
// every request with a deadline. Ages are computed when scraped, so they grow
// between reads as a real age does.
import type { S3Client } from '@aws-sdk/client-s3';
import type * as k8s from '@kubernetes/client-node';
import { readClusterBackups, type CatalogSettings, type ClusterBackups } from '../../services/backups/catalog.ts';
import { SentinelCache } from '../../services/backups/base-backups.ts';
import { clusterStores } from '../../services/backups/cluster-stores.ts';
import { createS3Client, type S3Options } from '../../services/s3/client.ts';
import type { OperatorConfig } from '../config/keys.ts';

export interface BackupCluster {
  namespace: string;
  name: string;
  uid: string;
  /** its spec.env: a bucket, endpoint, region or keys set there (or taken from a Secret) is where its pods' WAL-G writes */
  env?: k8s.V1EnvVar[];
}

export interface BackupHealthOptions {
  clusters: () => BackupCluster[];
  /** where a cluster's backups are; undefined: nothing names a bucket for it, no backup series */
  settings: (cluster: BackupCluster) => Promise<CatalogSettings | undefined>;
  /** told which clusters are live ("namespace/name"), so what `settings` keeps of deleted ones can go */
  retain?: (live: Set<string>) => void;
  intervalMs?: number;
  concurrency?: number;
  now?: () => number;
}

export interface BackupHealthRow {
  namespace: string;
  cluster: string;
  /** the last read succeeded */
  up: boolean;
  baseBackups: number;
  /** unix seconds; undefined when there is none */
  lastBase?: number;
  lastLogical?: number;
  lastArchived?: number;
  windowEnd?: number;
}

interface Read {
  at: number;
  ok: boolean;
  catalog?: ClusterBackups;
  /** nothing names a bucket for it: no series */
  none?: true;
}

const seconds = (iso: string | null | undefined) => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t / 1000 : undefined;
};
const newest = (times: (string | undefined)[]) => {
  const s = times.map(seconds).filter((t): t is number => t !== undefined);
  return s.length ? Math.max(...s) : undefined;
};

/**
 * Each cluster's store, resolved as its pods' WAL-G finds it (cluster-stores.ts): the daemon's environment, the
 * cluster's spec.env with its Secret references, its namespace's pod environment, then the operator configuration
 * (wal_s3_bucket, logical_backup_s3_*, aws_region) as it is at the time. Resolved again every `ttlMs` (a rotated
 * Secret). One client per distinct store; sentinels read once.
 */
export function backupStores(kc: k8s.KubeConfig, config: () => OperatorConfig, o: { env?: NodeJS.ProcessEnv; ttlMs?: number } = {}): Pick<BackupHealthOptions, 'settings' | 'retain'> {
  const env = o.env ?? process.env;
  const clients = new Map<string, S3Client>();
  const client = (s3: S3Options) => {
    const shape = JSON.stringify(s3);
    if (!clients.has(shape)) clients.set(shape, createS3Client({ ...s3, timeoutMs: 10_000 }, env));
    return clients.get(shape)!;
  };
  const sentinels = new SentinelCache();
  const stores = clusterStores(kc, {
    env,
    operator: async () => ({ note: 'operator configuration', operatorConfig: { where: 'operator configuration', config: config() as unknown as Record<string, unknown> } }),
    ttlMs: o.ttlMs ?? 300_000,
    open: async (r): Promise<CatalogSettings> => {
      const s3 = client(r.wal.s3);
      const logicalS3 = client(r.logical.s3);
      return { s3, walBucket: r.wal.bucket, logicalBucket: r.logical.bucket, logicalPrefix: r.logical.prefix, scopePrefix: r.scopePrefix, ...(logicalS3 === s3 ? {} : { logicalS3 }), sentinels };
    },
  });
  return { settings: (c) => stores.forCluster({ namespace: c.namespace, name: c.name, env: c.env }), retain: (live) => stores.retain(live) };
}

export class BackupHealth {
  private readonly o: Required<BackupHealthOptions>;
  private readonly reads = new Map<string, Read>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(o: BackupHealthOptions) {
    this.o = { retain: () => undefined, ...o, intervalMs: o.intervalMs ?? 300_000, concurrency: o.concurrency ?? 2, now: o.now ?? Date.now };
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), Math.min(5_000, this.o.intervalMs));
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** reads the catalogs that are due; resolves when they are read */
  async tick(): Promise<void> {
    const clusters = this.o.clusters();
    const live = new Set(clusters.map((c) => `${c.namespace}/${c.name}`));
    for (const k of this.reads.keys()) if (!live.has(k)) this.reads.delete(k);
    this.o.retain?.(live);
    const now = this.o.now();
    const due = clusters.filter((c) => {
      const k = `${c.namespace}/${c.name}`;
      const r = this.reads.get(k);
      return !this.busy.has(k) && (!r || now - r.at >= this.o.intervalMs);
    });
    const room = Math.max(0, this.o.concurrency - this.busy.size);
    await Promise.all(due.slice(0, room).map((c) => this.read(c)));
  }

  private async read(c: BackupCluster): Promise<void> {
    const k = `${c.namespace}/${c.name}`;
    this.busy.add(k);
    try {
      const settings = await this.o.settings(c);
      if (!settings) {
        this.reads.set(k, { at: this.o.now(), ok: true, none: true });
        return;
      }
      const catalog = await readClusterBackups(settings, { cluster: c.name, namespace: c.namespace, uid: c.uid });
      this.reads.set(k, { at: this.o.now(), ok: true, catalog });
    } catch {
      // a failed read (or a Secret its env names that could not be read) keeps the last good catalog, so ages keep growing and alerts still fire
      const last = this.reads.get(k);
      this.reads.set(k, { at: this.o.now(), ok: false, ...(last?.catalog ? { catalog: last.catalog } : {}) });
    } finally {
      this.busy.delete(k);
    }
  }

  rows(): BackupHealthRow[] {
    return this.o.clusters().flatMap((c) => {
      const r = this.reads.get(`${c.namespace}/${c.name}`);
      if (!r || r.none) return [];
      const cat = r.catalog;
      return [{
        namespace: c.namespace,
        cluster: c.name,
        up: r.ok,
        baseBackups: cat?.baseBackups.length ?? 0,
        lastBase: newest(cat?.baseBackups.map((b) => b.finishTime) ?? []),
        lastLogical: newest(cat?.logicalBackups.map((l) => l.time) ?? []),
        lastArchived: seconds(cat?.lastArchivedWal?.at),
        windowEnd: seconds(cat?.window.to),
      }];
    });
  }
}
