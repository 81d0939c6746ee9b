// The backup catalog of one cluster, read from S3: base backups (WAL-G and
// WAL-E layouts) under every spilo/<cluster>/<uid>/wal/<version>/, the WAL
// archive after the newest backup, the timeline history, logical backups,
// and the restorable window. Requests: one scan of the cluster's directory
// (scan.ts: its backup folders and logical backups), then per WAL prefix one
// listing of basebackups_005/, then one GET per sentinel alongside one WAL
// listing, and the timeline history; never one per WAL file (the WAL listing starts after the
// newest backup's start segment unless `full` is asked for). A whole bucket
// shares one scan and reads its clusters in parallel, a bounded number at a time.
import type { S3Client } from '@aws-sdk/client-s3';
import { listSentinels, readSentinels, sentinelSegment, type BaseBackup, type SentinelCache } from './base-backups.ts';
import { LOGICAL, WAL, clusterPath, parseWalKey } from './layout.ts';
import { listLogicalBackups, logicalBackupsFrom, type LogicalBackup } from './logical-list.ts';
import { scanBucket, scanCluster, type ScannedCluster } from './scan.ts';
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
  /** sentinels read before (by this process, or by an earlier one: sentinel-cache-file.ts): only new or rewritten ones are GET */
  sentinels?: SentinelCache;
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

/** The window of a cluster with nothing restorable (or not read). */
export const emptyWindow = (): Window => ({ from: null, to: null, fromBackup: null, toSegment: null, timelines: [], gaps: [], checkedFrom: null });

/** The logical backups sit in the scanned directory when their store and prefix are the WAL's (Zalando's default). */
const logicalInScan = (s: CatalogSettings) =>
  !s.logicalS3 && (!s.logicalBucket || s.logicalBucket === s.walBucket) && (s.logicalPrefix ?? 'spilo') === 'spilo' && !s.scopePrefix;

export async function readClusterBackups(s: CatalogSettings, ref: ClusterRef, o: ReadOptions = {}): Promise<ClusterBackups> {
  const wal: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0, sentinels: s.sentinels };
  const scanned = s.walBucket ? await scanCluster(wal, ref, `${dirOf(ref, s.scopePrefix)}/`) : undefined;
  const c = await readScanned(s, ref, scanned, o);
  await s.sentinels?.flush();
  return { ...c, requests: c.requests + wal.requests };
}

/** One cluster from what a scan found; `requests` counts this read's own, not the scan's. */
async function readScanned(s: CatalogSettings, ref: ClusterRef, scanned: ScannedCluster | undefined, o: ReadOptions): Promise<ClusterBackups> {
  const wal: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0, sentinels: s.sentinels };
  const logicalBucket = s.logicalBucket || s.walBucket;
  const logical: Reader = { s3: s.logicalS3 ?? s.s3, bucket: logicalBucket ?? '', requests: 0 };
  const logicalDir = `${clusterPath(ref.cluster, { root: s.logicalPrefix ?? 'spilo', scopeSuffix: ref.uid ? `/${ref.uid}` : '' })}/`;
  const [walPart, logicalBackups] = await Promise.all([
    scanned ? readWal(wal, `${dirOf(ref, s.scopePrefix)}/wal/`, scanned.wal, o) : undefined,
    scanned && logicalInScan(s)
      ? logicalBackupsFrom(wal, `${logicalDir}${LOGICAL}`, scanned.logical)
      : logicalBucket
        ? listLogicalBackups(logical, logicalDir)
        : [],
  ]);
  return {
    cluster: ref.cluster,
    namespace: ref.namespace ?? null,
    uid: ref.uid,
    walBucket: s.walBucket ?? null,
    walPrefixes: walPart?.prefixes ?? [],
    window: walPart?.window ?? emptyWindow(),
    baseBackups: walPart?.backups ?? [],
    logicalBackups,
    lastArchivedWal: walPart?.lastArchived ?? null,
    requests: wal.requests + logical.requests,
  };
}

export interface BucketCatalog {
  clusters: ClusterBackups[];
  /** every S3 request, the shared scan's included */
  requests: number;
}

/**
 * Every cluster in the WAL bucket, live or deleted: one scan of spilo/, then
 * each cluster's backups, `concurrency` clusters at a time (each a chain of
 * three round trips, so many in flight keep the store busy).
 */
export async function readBucketCatalog(s: CatalogSettings, o: ReadOptions & { concurrency?: number } = {}): Promise<BucketCatalog> {
  const r: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0 };
  const found = s.walBucket ? await scanBucket(r) : [];
  const clusters: ClusterBackups[] = new Array(found.length);
  let next = 0;
  const work = async () => {
    while (next < found.length) {
      const i = next++;
      clusters[i] = await readScanned(s, { cluster: found[i].cluster, uid: found[i].uid }, found[i], o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 32, found.length) }, work));
  await s.sentinels?.flush();
  return { clusters, requests: r.requests + clusters.reduce((n, c) => n + c.requests, 0) };
}

async function readWal(r: Reader, walDir: string, found: ScannedCluster['wal'], o: ReadOptions) {
  // wal/<version>/ per major version; old Spilo without ENABLE_WAL_PATH_COMPAT wrote straight under wal/.
  const versions = [...found.keys()].filter((p) => /\/wal\/\d+\/$/.test(p)).sort((a, b) => Number(b.split('/').at(-2)) - Number(a.split('/').at(-2)));
  const candidates = [...versions, ...(found.has(walDir) ? [walDir] : [])];
  // The window is the newest version's: a major upgrade starts a new WAL history.
  const current = candidates[0];
  const hasWal = current !== undefined && found.get(current)?.wal === true;
  const listed = await Promise.all(candidates.filter((p) => found.get(p)?.base).map(async (prefix) => ({ prefix, sentinels: await listSentinels(r, prefix) })));
  // A sentinel's name holds its backup's start segment, where the WAL tail starts: the tail is listed while the
  // sentinels are read (two round trips per cluster instead of three). Taken only if that backup's sentinel is good.
  const own = listed.find((l) => l.prefix === current)?.sentinels ?? [];
  const guess = own.length ? sentinelSegment(o.full ? own[0]! : own.at(-1)!) : undefined;
  const early = hasWal ? { from: guess, tail: readWalTail(r, current, guess) } : undefined;
  early?.tail.catch(() => {}); // awaited below; a failure must not go unhandled while the sentinels are read
  const backups = (await Promise.all(listed.map((l) => readSentinels(r, l.prefix, l.sentinels)))).flat().sort((a, b) => a.modified.localeCompare(b.modified));
  if (!current) return { prefixes: candidates, backups, window: computeWindow([], [], { segments: new Map() }, undefined), lastArchived: null };
  const mine = backups.filter((b) => b.prefix === current);
  let part = await windowFrom(r, current, mine, o.full ? mine[0] : mine.at(-1), hasWal, early);
  // A backup whose WAL is not archived yet restores nothing, but the one before it still does, up to the last archived segment.
  if (!o.full && part.window.from === null && mine.length >= 2) {
    const older = await windowFrom(r, current, mine, mine.at(-2), hasWal);
    if (older.window.from !== null) part = older;
  }
  return { prefixes: candidates, backups, window: part.window, lastArchived: part.lastArchived };
}

type WalTail = Awaited<ReturnType<typeof readWalTail>>;

/** The window as seen from one base backup on: the WAL after it, read and checked for gaps and timeline switches. */
async function windowFrom(r: Reader, current: string, mine: BaseBackup[], checkFrom: BaseBackup | undefined, hasWal: boolean, early?: { from: string | undefined; tail: Promise<WalTail> }) {
  const from = checkFrom?.startSegment;
  const tail: WalTail = !hasWal
    ? { index: { segments: new Map() }, history: new Map<number, string>(), lastArchived: null }
    : early && early.from === from
      ? await early.tail
      : await readWalTail(r, current, from);
  const { index, history } = tail;
  if (hasWal && checkFrom && checkFrom.timeline > 1 && Math.max(0, ...history.keys()) < checkFrom.timeline) {
    // The backup's own timeline history sorts before its segments: one probe for it.
    const { objects } = await list(r, `${current}${WAL}${checkFrom.timeline.toString(16).toUpperCase().padStart(8, '0')}.history`, { limit: 1 });
    if (objects[0]) history.set(checkFrom.timeline, objects[0].key);
  }
  const switches = await readSwitches(r, history);
  return { window: computeWindow(mine, switches, index, checkFrom), lastArchived: tail.lastArchived };
}

/** WAL keys from a backup's start segment on (all of them without a backup). */
async function readWalTail(r: Reader, prefix: string, fromSegment: string | undefined) {
  const { objects } = await list(r, prefix + WAL, fromSegment ? { startAfter: `${prefix}${WAL}${fromSegment}` } : {});
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

/** name/uid pairs found under spilo/ (clusters the bucket holds backups of, live or deleted): one scan. */
export async function findClustersInBucket(s: CatalogSettings): Promise<{ refs: ClusterRef[]; requests: number }> {
  const r: Reader = { s3: s.s3, bucket: s.walBucket ?? '', requests: 0 };
  const found = await scanBucket(r);
  return { refs: found.map((c) => ({ cluster: c.cluster, uid: c.uid })), requests: r.requests };
}
