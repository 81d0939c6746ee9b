// Five-field cron schedules (minute hour day-of-month month day-of-week), as
// CronJobs use them, in UTC. Lists, ranges, steps, names and the @ macros.

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12, sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const RANGES: [number, number][] = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

export interface Schedule {
  matches(d: Date): boolean;
}

function field(text: string, [lo, hi]: [number, number]): Set<number> {
  const out = new Set<number>();
  const value = (s: string) => {
    const n = NAMES[s.toLowerCase()] ?? Number(s);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`"${s}" is out of range ${lo}-${hi}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    const [a, b] = range === '*' ? [lo, hi] : range.includes('-') ? range.split('-').map(value) : [value(range), stepText ? hi : value(range)];
    for (let n = a; n <= b; n += step) out.add(n);
  }
  return out;
}

export function parseSchedule(spec: string): Schedule {
  const text = MACROS[spec.trim()] ?? spec.trim();
  const parts = text.split(/\s+/);
  if (parts.length !== 5) throw new Error(`expected 5 fields, found ${parts.length}: "${spec}"`);
  const [min, hour, dom, mon, dow] = parts.map((p, i) => field(p, RANGES[i]));
  if (dow.has(7)) dow.add(0);
  const domAny = parts[2] === '*';
  const dowAny = parts[4] === '*';
  return {
    matches(d) {
      if (!min.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !mon.has(d.getUTCMonth() + 1)) return false;
      // Cron's rule: when both day fields are restricted, either may match.
      const domOk = dom.has(d.getUTCDate());
      const dowOk = dow.has(d.getUTCDay());
      return domAny || dowAny ? domOk && dowOk : domOk || dowOk;
    },
  };
}

/** The latest scheduled minute in (after, now], if any; scans at most a day back. */
export function lastRun(s: Schedule, after: Date, now: Date): Date | undefined {
  const t = new Date(now);
  t.setUTCSeconds(0, 0);
  const floor = Math.max(after.getTime(), now.getTime() - 24 * 3600_000);
  for (; t.getTime() > floor; t.setUTCMinutes(t.getUTCMinutes() - 1)) if (s.matches(t)) return new Date(t);
  return undefined;
}
