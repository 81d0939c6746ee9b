// Retention of logical backups: the manifest's logicalBackupRetention, else
// the operator's logical_backup_s3_retention_time (the CronJob's
// LOGICAL_BACKUP_S3_RETENTION_TIME). Zalando's dump.sh passes it to
// `date -d "<value> ago"` ("3 months", "2 weeks", "7 days"); zpg reads the
// same spellings, and also a bare count ("5": keep the five newest). Only the
// logical backups the catalog lists for this cluster and uid are candidates,
// the newest is always kept, and nothing is deleted without a retention.
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { list, type Reader } from './s3-list.ts';
import type { LogicalBackup } from './logical-list.ts';

export type Retention = { kind: 'count'; keep: number; text: string } | { kind: 'age'; text: string; cutoff: (now: Date) => Date };

const UNITS: Record<string, (d: Date, n: number) => void> = {
  minute: (d, n) => d.setUTCMinutes(d.getUTCMinutes() - n),
  hour: (d, n) => d.setUTCHours(d.getUTCHours() - n),
  day: (d, n) => d.setUTCDate(d.getUTCDate() - n),
  week: (d, n) => d.setUTCDate(d.getUTCDate() - 7 * n),
  month: (d, n) => d.setUTCMonth(d.getUTCMonth() - n),
  year: (d, n) => d.setUTCFullYear(d.getUTCFullYear() - n),
};

/** undefined for an empty value (no retention); throws with the accepted spellings otherwise. */
export function parseRetention(value: string | undefined, what = 'logicalBackupRetention'): Retention | undefined {
  const text = (value ?? '').trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const keep = Number(text);
    if (keep < 1) throw new Error(`${what} "${text}": keep at least 1 backup`);
    return { kind: 'count', keep, text };
  }
  const parts = text.toLowerCase().replace(/\s+ago$/, '').match(/^(\d+)\s*(minute|min|hour|day|week|month|year)s?$/);
  if (!parts) throw new Error(`${what} "${text}": use a count of backups to keep ("5") or an age such as "7 days", "2 weeks", "3 months", "1 year"`);
  const n = Number(parts[1]);
  const unit = parts[2] === 'min' ? 'minute' : parts[2];
  return {
    kind: 'age',
    text,
    cutoff: (now) => {
      const d = new Date(now);
      UNITS[unit](d, n);
      return d;
    },
  };
}

/** The backups retention lets go: beyond the count, or older than the age; never the newest. */
export function expiredBackups(backups: LogicalBackup[], r: Retention, now = new Date()): LogicalBackup[] {
  const newestFirst = [...backups].sort((a, b) => b.time.localeCompare(a.time));
  const rest = newestFirst.slice(1);
  if (r.kind === 'count') return newestFirst.slice(r.keep);
  const cutoff = r.cutoff(now).toISOString();
  return rest.filter((b) => b.time < cutoff);
}

/** Deletes one listed backup: the dumpall object, or every object of the set's folder (manifest first, so a half-deleted set is no longer listed). */
export async function deleteLogicalBackup(r: Reader, b: LogicalBackup): Promise<number> {
  const keys = b.kind === 'logical-dumpall' ? [b.key] : (await list(r, b.key)).objects.map((o) => o.key).sort((x, y) => Number(y.endsWith('/manifest.json')) - Number(x.endsWith('/manifest.json')));
  // One DeleteObject per key: a set holds a handful, and every S3 (s3rver too) answers it alike.
  for (const Key of keys) {
    r.requests++;
    await r.s3.send(new DeleteObjectCommand({ Bucket: r.bucket, Key }));
  }
  return keys.length;
}
