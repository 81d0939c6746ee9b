// Base backups under one WAL prefix, in both layouts Spilo writes: WAL-G
// (base_<seg>, V2 sentinel with LSNs as numbers) and WAL-E (base_<seg>_<off>,
// wal_segment_backup_stop). Only sentinels count: WAL-G uploads it last, so
// a backup without one is incomplete. One listing with a delimiter, then one
// GET per sentinel not read before; the backups' own folders are never listed.
import { BASEBACKUPS, SENTINEL_SUFFIX, formatLsn, parseSegment, segmentName, segmentStartLsn, type WaleSentinel, type WalgSentinel } from './layout.ts';
import { getText, list, type Listed, type Reader } from './s3-list.ts';

export interface BaseBackup {
  id: string;
  kind: 'base';
  format: 'wal-g' | 'wal-e';
  /** the WAL prefix it lives under (key, trailing slash) */
  prefix: string;
  timeline: number;
  /** WAL segment holding the start LSN: replay needs it and everything after */
  startSegment: string;
  /** the last segment replay needs before the backup is consistent */
  finishSegment?: string;
  startLsn?: string;
  finishLsn?: string;
  /** StartTime from the sentinel (WAL-G V2 only) */
  startTime?: string;
  /** FinishTime from the sentinel, else the sentinel's upload time */
  finishTime: string;
  /** the sentinel's LastModified: what Spilo's clone compares the target time with */
  modified: string;
  pgVersion?: number;
  uncompressedSize?: number;
  compressedSize?: number;
  systemIdentifier?: string;
  hostname?: string;
  permanent?: boolean;
  /** delta backups depend on this one */
  deltaFrom?: string;
}

export async function listBaseBackups(r: Reader, prefix: string): Promise<BaseBackup[]> {
  return readSentinels(r, prefix, await listSentinels(r, prefix));
}

/** The sentinels under one WAL prefix, oldest upload first: their names already hold each backup's start segment. */
export async function listSentinels(r: Reader, prefix: string): Promise<Listed[]> {
  const { objects } = await list(r, prefix + BASEBACKUPS, { delimiter: '/' });
  return objects.filter((o) => o.key.endsWith(SENTINEL_SUFFIX)).sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime());
}

/** The start segment a listed sentinel names. */
export const sentinelSegment = (o: Listed): string | undefined => /\/base_([0-9A-F]{24})[^/]*$/.exec(o.key)?.[1];

/** The backups behind listed sentinels (one GET each not read before), oldest first. */
export async function readSentinels(r: Reader, prefix: string, sentinels: Listed[]): Promise<BaseBackup[]> {
  const out = await Promise.all(
    sentinels.map(async (o) => {
      const id = o.key.slice(prefix.length + BASEBACKUPS.length, -SENTINEL_SUFFIX.length);
      const text = await sentinelText(r, o);
      return text === undefined ? undefined : fromSentinel(id, prefix, text, o.lastModified);
    }),
  );
  return out.filter((b): b is BaseBackup => b !== undefined).sort((a, b) => a.modified.localeCompare(b.modified));
}

/**
 * Sentinels already read, for readers that come back (the console's feed, each metrics scrape): a sentinel
 * changes only when rewritten (wal-g backup-mark), which changes its ETag and time, so it is kept by key,
 * ETag, time and size. Bounded: the least recently used go first.
 */
export class SentinelCache {
  protected readonly texts = new Map<string, string>();
  /** set since the last flush */
  protected changed = false;
  private readonly max: number;
  constructor(max = 20_000) {
    this.max = max;
  }
  id(bucket: string, o: Listed): string | undefined {
    return o.etag ? `${bucket}\0${o.key}\0${o.etag}\0${o.lastModified.getTime()}\0${o.size}` : undefined;
  }
  get(id: string): string | undefined {
    const text = this.texts.get(id);
    if (text !== undefined) {
      this.texts.delete(id);
      this.texts.set(id, text);
    }
    return text;
  }
  set(id: string, text: string): void {
    if (this.texts.size >= this.max) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(id, text);
    this.changed = true;
  }
  /** Keeps what was read for the next process (sentinel-cache-file.ts); in memory, nothing to do. */
  async flush(): Promise<void> {}
}

async function sentinelText(r: Reader, o: Listed): Promise<string | undefined> {
  const id = r.sentinels?.id(r.bucket, o);
  const kept = id ? r.sentinels!.get(id) : undefined;
  if (kept !== undefined) return kept;
  const text = await getText(r, o.key).catch(() => undefined);
  if (id && text !== undefined) r.sentinels!.set(id, text);
  return text;
}

/** The SystemIdentifier is a uint64 JSON number: read its digits before JSON.parse rounds them. */
const rawNumber = (text: string, key: string) => new RegExp(`"${key}"\\s*:\\s*(\\d+)`).exec(text)?.[1];

export function fromSentinel(id: string, prefix: string, text: string, lastModified: Date): BaseBackup | undefined {
  const m = /^base_([0-9A-F]{24})(?:_([0-9A-F]{8}))?/.exec(id);
  if (!m) return undefined;
  const start = parseSegment(m[1])!;
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const modified = lastModified.toISOString();
  const common = { id, kind: 'base' as const, prefix, timeline: start.timeline, startSegment: m[1], modified };
  if ('wal_segment_backup_stop' in json) {
    const w = json as unknown as WaleSentinel;
    return {
      ...common,
      format: 'wal-e',
      finishSegment: w.wal_segment_backup_stop,
      startLsn: formatLsn(segmentStartLsn(start) + BigInt(parseInt(m[2] ?? '0', 16))),
      finishTime: modified,
      ...(typeof w.expanded_size_bytes === 'number' ? { uncompressedSize: w.expanded_size_bytes } : {}),
    };
  }
  const g = json as unknown as WalgSentinel;
  if (typeof g.LSN !== 'number') return undefined;
  const finish = typeof g.FinishLSN === 'number' ? BigInt(g.FinishLSN) : undefined;
  const sysid = rawNumber(text, 'SystemIdentifier');
  return {
    ...common,
    format: 'wal-g',
    startLsn: formatLsn(BigInt(g.LSN)),
    ...(finish !== undefined ? { finishLsn: formatLsn(finish), finishSegment: segmentName(start.timeline, finish === 0n ? 0n : finish - 1n) } : {}),
    ...(g.StartTime ? { startTime: g.StartTime } : {}),
    finishTime: g.FinishTime ?? modified,
    ...(g.PgVersion ? { pgVersion: g.PgVersion } : {}),
    ...(typeof g.UncompressedSize === 'number' ? { uncompressedSize: g.UncompressedSize } : {}),
    ...(typeof g.CompressedSize === 'number' ? { compressedSize: g.CompressedSize } : {}),
    ...(sysid ? { systemIdentifier: sysid } : {}),
    ...(g.Hostname ? { hostname: g.Hostname } : {}),
    ...(g.IsPermanent !== undefined ? { permanent: g.IsPermanent } : {}),
    ...(g.DeltaFrom ? { deltaFrom: g.DeltaFrom } : {}),
  };
}
