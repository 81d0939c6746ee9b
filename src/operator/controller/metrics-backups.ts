// Per-cluster backup health for /metrics, read from the S3 catalog: when the
// newest base and logical backups finished, when the newest WAL segment was
// archived, and where the restorable window ends. Only with a WAL bucket
// configured; each cluster's catalog is read once per interval (default 5
// minutes; a few requests each, never one per WAL file), a few at a time,
// every request with a deadline. Ages are computed when scraped, so they grow
// between reads as a real age does.
import type { S3Client } from '@aws-sdk/client-s3';
import { readClusterBackups, type CatalogSettings, type ClusterBackups } from '../../services/backups/catalog.ts';
import { SentinelCache } from '../../services/backups/base-backups.ts';
import { resolveBackupS3 } from '../../services/backups/s3-settings.ts';
import { createS3Client, type S3Options } from '../../services/s3/client.ts';
import type { OperatorConfig } from '../config/keys.ts';

export interface BackupCluster {
  namespace: string;
  name: string;
  uid: string;
  /** its spec.env's literal values: a bucket, endpoint or region set there is where its pods' WAL-G writes */
  env?: Record<string, string>;
}

export interface BackupHealthOptions {
  clusters: () => BackupCluster[];
  /** the catalog's settings of the moment, for a cluster (its own store) or in general; undefined: no WAL bucket, no backup metrics */
  settings: (cluster?: BackupCluster) => CatalogSettings | undefined;
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
 * The catalog settings from the operator configuration (wal_s3_bucket,
 * logical_backup_s3_*, aws_region) and the daemon's environment (AWS_ENDPOINT,
 * credentials; else the AWS chain), and a cluster's spec.env (its literal values;
 * Secret-backed ones are not read here), resolved as every other reader resolves
 * them (resolveBackupS3). One client per distinct store; sentinels read once.
 */
export function backupSettingsFrom(env: NodeJS.ProcessEnv = process.env): (config: OperatorConfig, cluster?: BackupCluster) => CatalogSettings | undefined {
  const clients = new Map<string, S3Client>();
  const client = (o: S3Options) => {
    const shape = JSON.stringify(o);
    if (!clients.has(shape)) clients.set(shape, createS3Client({ ...o, timeoutMs: 10_000 }, env));
    return clients.get(shape)!;
  };
  const sentinels = new SentinelCache();
  return (config, cluster) => {
    if (!config.wal_s3_bucket) return undefined;
    const clusterEnv = cluster?.env ? { clusterEnv: { where: `spec.env of ${cluster.namespace}/${cluster.name}`, values: cluster.env } } : {};
    const r = resolveBackupS3({ env, operatorConfig: { where: 'operator configuration', config: config as unknown as Record<string, unknown> }, ...clusterEnv });
    const s3 = client(r.wal.s3);
    const logicalS3 = client(r.logical.s3);
    return {
      s3,
      walBucket: r.wal.bucket,
      logicalBucket: r.logical.bucket,
      logicalPrefix: r.logical.prefix,
      scopePrefix: r.scopePrefix,
      ...(logicalS3 === s3 ? {} : { logicalS3 }),
      sentinels,
    };
  };
}

export class BackupHealth {
  private readonly o: Required<BackupHealthOptions>;
  private readonly reads = new Map<string, Read>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(o: BackupHealthOptions) {
    this.o = { ...o, intervalMs: o.intervalMs ?? 300_000, concurrency: o.concurrency ?? 2, now: o.now ?? Date.now };
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
    const settings = this.o.settings();
    const clusters = this.o.clusters();
    const live = new Set(clusters.map((c) => `${c.namespace}/${c.name}`));
    for (const k of this.reads.keys()) if (!settings || !live.has(k)) this.reads.delete(k);
    if (!settings) return;
    const now = this.o.now();
    const due = clusters.filter((c) => {
      const k = `${c.namespace}/${c.name}`;
      const r = this.reads.get(k);
      return !this.busy.has(k) && (!r || now - r.at >= this.o.intervalMs);
    });
    const room = Math.max(0, this.o.concurrency - this.busy.size);
    await Promise.all(due.slice(0, room).map((c) => this.read(this.o.settings(c) ?? settings, c)));
  }

  private async read(settings: CatalogSettings, c: BackupCluster): Promise<void> {
    const k = `${c.namespace}/${c.name}`;
    this.busy.add(k);
    try {
      const catalog = await readClusterBackups(settings, { cluster: c.name, namespace: c.namespace, uid: c.uid });
      this.reads.set(k, { at: this.o.now(), ok: true, catalog });
    } catch {
      // a failed read keeps the last good catalog, so ages keep growing and alerts still fire
      this.reads.set(k, { at: this.o.now(), ok: false, catalog: this.reads.get(k)?.catalog });
    } finally {
      this.busy.delete(k);
    }
  }

  rows(): BackupHealthRow[] {
    if (!this.o.settings()) return [];
    return this.o.clusters().flatMap((c) => {
      const r = this.reads.get(`${c.namespace}/${c.name}`);
      if (!r) return [];
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
