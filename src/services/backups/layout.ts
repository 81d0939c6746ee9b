// Spilo's backup layout in object storage, as WAL-G and WAL-E write it
// (pooler-patroni-walg.md §C): key names, WAL segment names and LSNs. Pure:
// the catalog reads with it, the sandbox's WAL-G stand-in writes with it.

export const BASEBACKUPS = 'basebackups_005/';
export const WAL = 'wal_005/';
export const SENTINEL_SUFFIX = '_backup_stop_sentinel.json';
export const LOGICAL = 'logical_backups/';

/** 16 MiB segments, the only size Spilo uses */
const SEG_BITS = 24n;

/** `<prefix><scope><suffix>`: the directory under spilo/ of one cluster; the operator sends suffix `/<uid>` and prefix "". */
export function clusterPath(scope: string, o: { scopePrefix?: string; scopeSuffix?: string; root?: string } = {}): string {
  return `${o.root ?? 'spilo'}/${o.scopePrefix ?? ''}${scope}${o.scopeSuffix ?? ''}`;
}

/** The WAL prefix of a cluster (key, no bucket, trailing slash), as Spilo builds WALE_S3_PREFIX/WALG_S3_PREFIX. */
export function walPrefix(scope: string, pgMajor: string | number, o: { scopePrefix?: string; scopeSuffix?: string } = {}): string {
  return `${clusterPath(scope, o)}/wal/${pgMajor}/`;
}

/** "0/2000028" or a byte number → bytes */
export function parseLsn(lsn: string | number | bigint): bigint {
  if (typeof lsn !== 'string') return BigInt(lsn);
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m) throw new Error(`not an LSN: ${lsn}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

const hex8 = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');

/** The WAL file holding `lsn` on `timeline`: %08X%08X%08X of timeline, LSN>>32, (LSN & 0xFFFFFFFF)>>24 */
export function segmentName(timeline: number, lsn: bigint): string {
  return `${hex8(timeline)}${hex8(lsn >> 32n)}${hex8((lsn & 0xffffffffn) >> SEG_BITS)}`;
}

export interface Segment {
  timeline: number;
  /** the segment's ordinal across the whole LSN space (LSN >> 24) */
  number: bigint;
}

export function parseSegment(name: string): Segment | undefined {
  const m = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$/.exec(name);
  if (!m) return undefined;
  return { timeline: parseInt(m[1], 16), number: (BigInt(`0x${m[2]}`) << 8n) | BigInt(`0x${m[3]}`) };
}

export function segmentFromNumber(timeline: number, n: bigint): string {
  return `${hex8(timeline)}${hex8(n >> 8n)}${hex8(n & 0xffn)}`;
}

/** The first LSN of a segment */
export const segmentStartLsn = (s: Segment): bigint => s.number << SEG_BITS;

/** WAL-G names a backup base_<segment of the start LSN>; WAL-E adds _<8-hex offset>. */
export function walgBackupName(timeline: number, startLsn: bigint): string {
  return `base_${segmentName(timeline, startLsn)}`;
}

/** What a key under wal_005/ holds: a segment, a timeline history, a backup history file or a partial segment. */
export type WalKey =
  | { kind: 'segment'; name: string; segment: Segment }
  | { kind: 'history'; timeline: number }
  | { kind: 'backup-history' | 'partial'; name: string };

/** The basename of a wal_005/ key without its compression extension (.lz4, .br, .zst, .lzma, .gz, .lzo) */
export function parseWalKey(basename: string): WalKey | undefined {
  const bare = basename.replace(/\.(lz4|br|zst|lzma|gz|lzo)$/, '');
  const history = /^([0-9A-F]{8})\.history$/.exec(bare);
  if (history) return { kind: 'history', timeline: parseInt(history[1], 16) };
  if (/^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/.test(bare)) return { kind: 'backup-history', name: bare };
  if (/^[0-9A-F]{24}\.partial$/.test(bare)) return { kind: 'partial', name: bare };
  const segment = parseSegment(bare);
  return segment ? { kind: 'segment', name: bare, segment } : undefined;
}

/** WAL-G's V2 sentinel (LSNs are JSON numbers, PascalCase keys) */
export interface WalgSentinel {
  LSN: number;
  FinishLSN: number;
  PgVersion: number;
  SystemIdentifier?: number;
  UncompressedSize: number;
  CompressedSize: number;
  Spec?: unknown;
  UserData?: unknown;
  FilesMetadataDisabled?: boolean;
  DeltaFrom?: string;
  DeltaFullName?: string;
  DeltaCount?: number;
  Version?: number;
  StartTime?: string;
  FinishTime?: string;
  DateFmt?: string;
  Hostname?: string;
  DataDir?: string;
  IsPermanent?: boolean;
}

/** WAL-E's sentinel */
export interface WaleSentinel {
  wal_segment_backup_stop: string;
  wal_segment_offset_backup_stop: string;
  expanded_size_bytes?: number;
  spec?: unknown;
}

/** Zalando's logical backup key: <epoch seconds>.sql.gz; ours: <id>/ holding a set */
export const logicalDumpallKey = (clusterDir: string, epochSeconds: number) => `${clusterDir}/${LOGICAL}${epochSeconds}.sql.gz`;
