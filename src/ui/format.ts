// Short forms for narrow columns; the data itself stays exact in the store.
import { bytes } from '../cli/format.ts';

export function formatLag(bytes: number | null | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes === null) return '?';
  if (bytes < 1024 * 1024) return bytes === 0 ? '0' : '<1M';
  return `${Math.round(bytes / 1048576)}M`;
}

/** A duration as one unit: 42s, 5m, 3h, 2d. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function formatAge(iso: string | Date | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = iso instanceof Date ? iso.getTime() : Date.parse(iso);
  return Number.isNaN(t) ? '-' : formatDuration(now - t);
}

/** Text from outside (logs, event messages) without the control characters that would move the cursor or recolour the screen. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '').replace(/\t/g, '  ').replace(/[\x00-\x1f\x7f-\x9f]/g, '');
}

/** Bytes as the CLI prints them (powers of 1024: 512 B, 16 kB, 109 MB), so console and `zpg status` agree. */
export const formatBytes = (n: number) => bytes(n);

/** Lag in whole MiB for a column titled with the unit; '<1' below one, '?' unknown, '-' none. */
export function formatLagMiB(bytes: number | null | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes === null) return '?';
  if (bytes < 1048576) return bytes === 0 ? '0' : '<1';
  return String(Math.round(bytes / 1048576));
}

/** A health reason as a person reads it: byte counts ("114294784 B") in binary units. */
export function readableReason(reason: string): string {
  return reason.replace(/\b(\d+) B\b/g, (_, n: string) => formatBytes(Number(n)));
}
