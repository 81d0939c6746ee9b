// The backup catalog of one cluster, read from S3: base backups (WAL-G and
// WAL-E layouts) under every spilo/<cluster>/<uid>/wal/<version>/, the WAL
// archive after the newest backup, the timeline history, logical backups,
// and the restorable window. Requests: a few per WAL prefix plus one per
// backup and timeline; never one per WAL file (the WAL listing starts after
// the newest backup's start segment unless `full` is asked for).
import type { S3Client } from '@aws-sdk/client-s3';
import { listBaseBackups, type BaseBackup } from './base-backups.ts';
import { WAL, clusterPath, parseWalKey } from './layout.ts';
import { listLogicalBackups, type LogicalBackup } from './logical-list.ts';
import { isMissing, list, type Reader } from './s3-list.ts';
import { computeWindow, parseHistory, type TimelineSwitch, type WalIndex, type Window } from './window.ts';

export interface CatalogSettings {
  s3: S3Client;
  /** wal_s3_bucket */
  walBucket?: string;
  /** logical_backup_s3_bucket (defaults to the WAL bucket) */
  logicalBucket?: string;
  /** logical_backup_s3_bucket_prefix, "spilo" by default */
  logicalPrefix?: string;
  /** WAL_BUCKET_SCOPE_PREFIX; the operator sends "" */
  scopePrefix?: string;
  /** a client for the logical bucket when it has its own endpoint or keys (logical_backup_s3_*) */
  logicalS3?: S3Client;
}

export interface ClusterRef {
  cluster: string;
  namespace?: string;
  /** the postgresql object's uid: the operator's scope suffix. Empty for Spilo without the operator. */
  uid: string;
}

export interface ClusterBackups {
  cluster: string;
  namespace: string | null;
  uid: string;
  walBucket: string | null;
  /** the WAL prefixes read, newest PostgreSQL version first */
  walPrefixes: string[];
  window: Window;
  baseBackups: BaseBackup[];
  logicalBackups: LogicalBackup[];
  /** the newest archived WAL segment (any timeline), also past a gap */
  lastArchivedWal: { segment: string; at: string } | null;
  /** S3 requests this read took */
  requests: number;
}

export interface ReadOptions {
  /** list every WAL key from the oldest backup on, to check the whole window for gaps */
  full?: boolean;
}

const dirOf = (ref: ClusterRef, scopePrefix = '') => clusterPath(ref.cluster, { scopePrefix, scopeSuffix: ref.uid ? `/${ref.uid}` : '' });

export async function readClusterBackups(s: CatalogSettings, ref: ClusterRef, o: ReadOptions = {}): Promise<ClusterBackups> {
  const wal: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0 };
  const logicalBucket = s.logicalBucket || s.walBucket;
  const logical: Reader = { s3: s.logicalS3 ?? s.s3, bucket: logicalBucket ?? '', requests: 0 };
  const base = {
    cluster: ref.cluster,
    namespace: ref.namespace ?? null,
    uid: ref.uid,
    walBucket: s.walBucket ?? null,
  };
  const [walPart, logicalBackups] = await Promise.all([
    s.walBucket ? readWal(wal, `${dirOf(ref, s.scopePrefix)}/wal/`, o) : undefined,
    logicalBucket ? listLogicalBackups(logical, `${clusterPath(ref.cluster, { root: s.logicalPrefix ?? 'spilo', scopeSuffix: ref.uid ? `/${ref.uid}` : '' })}/`) : [],
  ]);
  return {
    ...base,
    walPrefixes: walPart?.prefixes ?? [],
    window: walPart?.window ?? { from: null, to: null, fromBackup: null, toSegment: null, timelines: [], gaps: [], checkedFrom: null },
    baseBackups: walPart?.backups ?? [],
    logicalBackups,
    lastArchivedWal: walPart?.lastArchived ?? null,
    requests: wal.requests + logical.requests,
  };
}

async function readWal(r: Reader, walDir: string, o: ReadOptions) {
  // wal/<version>/ per major version; old Spilo without ENABLE_WAL_PATH_COMPAT wrote straight under wal/.
  const { prefixes } = await list(r, walDir, { delimiter: '/' });
  const versions = prefixes.filter((p) => /\/wal\/\d+\/$/.test(p)).sort((a, b) => Number(b.split('/').at(-2)) - Number(a.split('/').at(-2)));
  const candidates = [...versions, ...(prefixes.some((p) => p.endsWith('/basebackups_005/') || p.endsWith('/wal_005/')) ? [walDir] : [])];
  const backups = (await Promise.all(candidates.map((p) => listBaseBackups(r, p)))).flat().sort((a, b) => a.modified.localeCompare(b.modified));
  // The window is the newest version's: a major upgrade starts a new WAL history.
  const current = candidates[0];
  if (!current) return { prefixes: candidates, backups, window: computeWindow([], [], { segments: new Map() }, undefined), lastArchived: null };
  const mine = backups.filter((b) => b.prefix === current);
  const checkFrom = o.full ? mine[0] : mine.at(-1);
  const { index, history, lastArchived } = await readWalTail(r, current, checkFrom);
  if (checkFrom && checkFrom.timeline > 1 && Math.max(0, ...history.keys()) < checkFrom.timeline) {
    // The backup's own timeline history sorts before its segments: one probe for it.
    const { objects } = await list(r, `${current}${WAL}${checkFrom.timeline.toString(16).toUpperCase().padStart(8, '0')}.history`, { limit: 1 });
    if (objects[0]) history.set(checkFrom.timeline, objects[0].key);
  }
  const switches = await readSwitches(r, history);
  return { prefixes: candidates, backups, window: computeWindow(mine, switches, index, checkFrom), lastArchived };
}

/** WAL keys from the given backup's start segment on (all of them without a backup). */
async function readWalTail(r: Reader, prefix: string, from: BaseBackup | undefined) {
  const { objects } = await list(r, prefix + WAL, from ? { startAfter: `${prefix}${WAL}${from.startSegment}` } : {});
  const index: WalIndex = { segments: new Map() };
  const history = new Map<number, string>();
  let lastArchived: { segment: string; at: string } | null = null;
  for (const o of objects) {
    const k = parseWalKey(o.key.slice(prefix.length + WAL.length));
    if (!k) continue;
    if (k.kind === 'history') history.set(k.timeline, o.key);
    if (k.kind !== 'segment') continue;
    const byTl = index.segments.get(k.segment.timeline) ?? new Map<bigint, Date>();
    index.segments.set(k.segment.timeline, byTl);
    byTl.set(k.segment.number, o.lastModified);
    if (!lastArchived || o.lastModified.toISOString() >= lastArchived.at) lastArchived = { segment: k.name, at: o.lastModified.toISOString() };
  }
  return { index, history, lastArchived };
}

/** The newest timeline's history file lists every switch before it (history keys of later timelines sort after the backup's segment, so the tail has them). */
async function readSwitches(r: Reader, history: Map<number, string>): Promise<TimelineSwitch[]> {
  const newest = Math.max(0, ...history.keys());
  const key = history.get(newest);
  if (!key) return [];
  try {
    return parseHistory(newest, await decompress(key, await getBytes(r, key)));
  } catch (e) {
    if (isMissing(e)) return [];
    throw e;
  }
}

async function getBytes(r: Reader, key: string): Promise<Uint8Array> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  r.requests++;
  const out = await r.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
  return out.Body!.transformToByteArray();
}

/** History files are tiny; WAL-G compresses them like segments. lz4/zstd/lzma/lzo need libraries we do not ship. */
async function decompress(key: string, raw: Uint8Array): Promise<string> {
  const zlib = await import('node:zlib');
  if (key.endsWith('.br')) return zlib.brotliDecompressSync(raw).toString();
  if (key.endsWith('.gz')) return zlib.gunzipSync(raw).toString();
  if (/\.(lz4|zst|lzma|lzo)$/.test(key)) throw Object.assign(new Error(`cannot read ${key}: compression not supported`), { name: 'NotFound' });
  return Buffer.from(raw).toString();
}

/** name/uid pairs found under spilo/ (clusters the bucket knows of, live or deleted). */
export async function findClustersInBucket(s: CatalogSettings, concurrency = 16): Promise<{ refs: ClusterRef[]; requests: number }> {
  const r: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0 };
  const { prefixes: names } = await list(r, 'spilo/', { delimiter: '/' });
  const refs: ClusterRef[] = [];
  let i = 0;
  const work = async () => {
    while (i < names.length) {
      const dir = names[i++];
      const cluster = dir.slice('spilo/'.length, -1);
      const { prefixes } = await list(r, dir, { delimiter: '/' });
      for (const p of prefixes) {
        const part = p.slice(dir.length, -1);
        if (part === 'wal' || part === 'logical_backups') refs.push({ cluster, uid: '' });
        else refs.push({ cluster, uid: part });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, work));
  const unique = new Map(refs.map((x) => [`${x.cluster}/${x.uid}`, x]));
  return { refs: [...unique.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.uid.localeCompare(b.uid)), requests: r.requests };
}
