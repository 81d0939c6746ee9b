// Words and marks for backups on screen, shared by the section, the column and
// the browser. Every warning is said in characters too (OVERDUE!, x for a
// gap), so it reads the same without colour. Pure.
import { backupAges, type BackupAges } from '../../services/live/backups-schedule.ts';
import type { BackupsState, ClusterBackupsView } from '../../services/live/backups-types.ts';
import { formatDuration } from '../format.ts';

/** "2026-12-04 10:00Z": UTC, to the minute, with its zone said */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '-';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

export const agesOf = (v: ClusterBackupsView | undefined, now: number): BackupAges | undefined => (v?.catalog ? backupAges(v.catalog, v.schedules, now) : undefined);

type Named = { namespace: string; name: string };

/**
 * The clusters view sorted by BACKUP: overdue first, then the oldest newest backup (none is the oldest), then
 * clusters not read yet or unreadable; `then` within each. Each cluster's ages are worked out once per sort.
 */
export function backupOrder<R extends Named>(b: BackupsState, now: number, then: (x: R, y: R) => number): (x: R, y: R) => number {
  const ranks = new Map<string, [number, number]>();
  const rank = (r: R): [number, number] => {
    const key = `${r.namespace}/${r.name}`;
    let found = ranks.get(key);
    if (!found) {
      const a = agesOf(b.clusters[key], now);
      ranks.set(key, (found = a ? [a.overdue ? 0 : 1, -(a.newestMs ?? Infinity)] : [2, 0]));
    }
    return found;
  };
  return (x, y) => {
    const [rx, ry] = [rank(x), rank(y)];
    return rx[0] - ry[0] || rx[1] - ry[1] || then(x, y);
  };
}

/** The clusters view's BACKUP cell: the newest backup's age, '!' when one is overdue. */
export function backupCell(b: BackupsState, key: string, now: number): { text: string; overdue: boolean } {
  if (b.configured === false) return { text: '-', overdue: false };
  const v = b.clusters[key];
  if (v?.unconfigured) return { text: '-', overdue: false };
  if (!v || (!v.catalog && !v.error)) return { text: '…', overdue: false };
  if (!v.catalog) return { text: '?', overdue: false };
  const a = agesOf(v, now)!;
  const text = a.newestMs === undefined ? 'none' : formatDuration(a.newestMs);
  return { text: a.overdue ? `${text}!` : text, overdue: a.overdue };
}

export type BarCell = 'backup' | 'ok' | 'gap' | 'open';
export const BAR_CHARS: Record<BarCell, string> = { backup: 'B', ok: '=', gap: 'x', open: '·' };

/**
 * The restorable window as a line of `width` cells from the oldest backup to
 * `now`: '=' restorable, 'B' a base backup finished there, 'x' WAL archived
 * past a gap (a restore cannot reach it), '·' nothing archived yet.
 */
export function windowBar(v: ClusterBackupsView, width: number, now: number): BarCell[] {
  const c = v.catalog;
  if (!c || width <= 0) return [];
  const times = [c.window.from, ...c.baseBackups.map((b) => b.finishTime)].filter((t): t is string => Boolean(t)).map(Date.parse);
  if (!times.length) return [];
  const start = Math.min(...times);
  const end = Math.max(now, start + 1);
  const at = (t: number) => Math.min(width - 1, Math.max(0, Math.floor(((t - start) / (end - start)) * width)));
  const cells: BarCell[] = Array.from({ length: width }, () => 'open');
  if (c.window.from && c.window.to) for (let i = at(Date.parse(c.window.from)); i <= at(Date.parse(c.window.to)); i++) cells[i] = 'ok';
  const past = c.lastArchivedWal?.at;
  if (c.window.gaps.length && past) {
    const from = c.window.to ? at(Date.parse(c.window.to)) + 1 : at(start);
    for (let i = from; i <= at(Date.parse(past)); i++) cells[i] = 'gap';
  }
  for (const b of c.baseBackups) cells[at(Date.parse(b.finishTime))] = 'backup';
  return cells;
}

/** "1 → 2 at 0/9000000 → 3 at 0/C000000" */
export function timelinePath(v: ClusterBackupsView): string {
  const t = v.catalog?.window.timelines ?? [];
  if (!t.length) {
    const tl = v.catalog?.baseBackups.at(-1)?.timeline;
    return tl ? `timeline ${tl}` : '';
  }
  return `timelines ${t[0].parent}${t.map((s) => ` → ${s.timeline} at ${s.switchLsn}`).join('')}`;
}

export const every = (ms: number | undefined) => (ms === undefined ? '' : `every ${formatDuration(ms)}`);
