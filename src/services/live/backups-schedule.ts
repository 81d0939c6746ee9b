// When a backup is overdue: the longest gap between two runs of a 5-field
// cron schedule (Spilo's BACKUP_SCHEDULE for base backups, the cluster's
// logicalBackupSchedule for logical ones), plus slack for the run itself.
// Pure: the console's section and column both read it.
import type { ClusterBackups } from '../backups/catalog.ts';

/** Spilo's default BACKUP_SCHEDULE: a base backup every day at 01:00 */
export const SPILO_BACKUP_SCHEDULE = '00 1 * * *';
/** the operator's default logical_backup_schedule */
export const DEFAULT_LOGICAL_SCHEDULE = '30 00 * * *';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function field(text: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const lo = m[1] === '*' ? min : Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] ? max : lo;
    const step = m[3] ? Number(m[3]) : 1;
    if (lo < min || hi > max || step < 1) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/**
 * The longest time between two runs of `schedule` (UTC, as a CronJob without a
 * time zone runs), over a 31-day sample; undefined for a schedule we cannot read.
 */
export function cronPeriodMs(schedule: string): number | undefined {
  // the console asks for every row on every frame: a schedule is worked out once
  if (!periods.has(schedule)) periods.set(schedule, computePeriod(schedule));
  return periods.get(schedule);
}

const periods = new Map<string, number | undefined>();

function computePeriod(schedule: string): number | undefined {
  const parts = schedule.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const [mi, h, dom, mon, dow] = [field(parts[0], 0, 59), field(parts[1], 0, 23), field(parts[2], 1, 31), field(parts[3], 1, 12), field(parts[4], 0, 7)];
  if (!mi || !h || !dom || !mon || !dow) return undefined;
  if (dow.has(7)) dow.add(0);
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  // A fixed start (a Monday, 2026-01-05) so the answer does not depend on today.
  const start = Date.UTC(2026, 0, 5);
  let last: number | undefined;
  let first: number | undefined;
  let longest = 0;
  for (let t = start; t < start + 62 * 24 * HOUR; t += MINUTE) {
    const d = new Date(t);
    if (!mi.has(d.getUTCMinutes()) || !h.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) continue;
    // cron: with both day fields restricted, either one matching is enough
    const dayOk = domAny || dowAny ? dom.has(d.getUTCDate()) && dow.has(d.getUTCDay()) : dom.has(d.getUTCDate()) || dow.has(d.getUTCDay());
    if (!dayOk) continue;
    if (last !== undefined) longest = Math.max(longest, t - last);
    first ??= t;
    last = t;
  }
  if (first === undefined || last === first) return undefined;
  return longest;
}

/** Room for the run itself and a late start: an hour, at most half the period. */
export const slackMs = (periodMs: number) => Math.min(HOUR, periodMs / 2);

export interface Schedules {
  /** base backups (BACKUP_SCHEDULE); undefined = none expected */
  base?: string;
  /** logical backups, when the cluster has enableLogicalBackup */
  logical?: string;
  /** when the cluster was created: no backup yet is overdue only once a whole period has passed since */
  since?: string;
}

export interface BackupAge {
  /** ISO time of the newest backup of that kind, if any */
  at?: string;
  ageMs?: number;
  /** the schedule's period, when there is one we can read */
  periodMs?: number;
  /** older than its period plus slack (or none at all while one is expected) */
  overdue: boolean;
}

export interface BackupAges {
  base: BackupAge;
  logical: BackupAge;
  /** the newest backup of either kind */
  newestMs?: number;
  overdue: boolean;
}

function ageOf(at: string | undefined, schedule: string | undefined, since: string | undefined, now: number): BackupAge {
  const periodMs = schedule ? cronPeriodMs(schedule) : undefined;
  const t = at ? Date.parse(at) : NaN;
  const ageMs = Number.isNaN(t) ? undefined : Math.max(0, now - t);
  const born = since ? Date.parse(since) : NaN;
  const waited = ageMs ?? (Number.isNaN(born) ? Infinity : now - born);
  const overdue = periodMs !== undefined && waited > periodMs + slackMs(periodMs);
  return { ...(at ? { at } : {}), ...(ageMs !== undefined ? { ageMs } : {}), ...(periodMs !== undefined ? { periodMs } : {}), overdue };
}

/** How old the newest base and logical backups are, and whether either is overdue. */
export function backupAges(c: Pick<ClusterBackups, 'baseBackups' | 'logicalBackups'>, schedules: Schedules, now = Date.now()): BackupAges {
  const newestBase = c.baseBackups.reduce<string | undefined>((m, b) => (!m || b.finishTime > m ? b.finishTime : m), undefined);
  const newestLogical = c.logicalBackups.reduce<string | undefined>((m, b) => (!m || b.time > m ? b.time : m), undefined);
  const base = ageOf(newestBase, schedules.base, schedules.since, now);
  const logical = ageOf(newestLogical, schedules.logical, schedules.since, now);
  const ages = [base.ageMs, logical.ageMs].filter((a): a is number => a !== undefined);
  return { base, logical, ...(ages.length ? { newestMs: Math.min(...ages) } : {}), overdue: base.overdue || logical.overdue };
}
