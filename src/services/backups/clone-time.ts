// The time a clone restores to, as people type it: RFC 3339 with an offset or
// Z, or a wall-clock time without a zone (the machine's local zone, named in
// the answer). Impossible dates (30 February) and local times that a DST
// change skips or repeats are refused with the fix. The answer carries the UTC
// instant and the RFC 3339 text with an offset that Spilo requires.
import { BadInput } from '../tasks/types.ts';

export interface TargetTime {
  /** the UTC instant */
  instant: Date;
  /** RFC 3339 with a numeric offset, for spec.clone.timestamp ("2026-12-05T10:00:00+01:00") */
  rfc3339: string;
  /** what the input meant, for people: "2026-12-05 10:00 (Europe/Berlin) means 2026-12-05T09:00:00Z" */
  said: string;
}

const RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The zone's offset from UTC in minutes at an instant (east positive), from Intl. */
export function offsetAt(timeZone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

export const formatOffset = (minutes: number) => (minutes === 0 ? '+00:00' : `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`);

/** RFC 3339 of an instant at a fixed offset, milliseconds only when there are some. */
export function rfc3339At(instant: Date, offsetMinutes: number): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000);
  const ms = local.getUTCMilliseconds();
  const base = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${base}${ms ? `.${pad(ms, 3)}` : ''}${formatOffset(offsetMinutes)}`;
}

export const utc = (d: Date) => d.toISOString().replace('.000Z', 'Z');

export const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/**
 * Parses `text` for the flag `flag`. Without a zone it is wall-clock time in `timeZone` (default: this
 * machine's). Throws BadInput naming the flag, the accepted forms and the fix.
 */
export function parseTargetTime(text: string, o: { flag?: string; timeZone?: string } = {}): TargetTime {
  const flag = o.flag ?? '--time';
  const m = RE.exec(text.trim());
  const forms = 'use e.g. 2026-12-05T10:00:00+01:00, 2026-12-05T09:00:00Z or 2026-12-05 10:00 (local time)';
  if (!m) throw new BadInput(`${flag} ${JSON.stringify(text)}: not a time; ${forms}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (mo < 1 || mo > 12) throw new BadInput(`${flag} ${text}: there is no month ${mo}; ${forms}`);
  if (d < 1 || d > daysIn(y, mo)) throw new BadInput(`${flag} ${text}: ${y}-${pad(mo)} has ${daysIn(y, mo)} days, not ${d}`);
  if (h > 23 || mi > 59 || s > 59) throw new BadInput(`${flag} ${text}: ${pad(h)}:${pad(mi)}:${pad(s)} is not a time of day (00:00:00 to 23:59:59)`);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const shown = `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}${s || ms ? `:${pad(s)}${ms ? `.${pad(ms, 3)}` : ''}` : ''}`;
  const zone = m[8];
  if (zone) {
    let offset = 0;
    if (zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      const hh = Number(z[2]);
      const mm = Number(z[3] ?? 0);
      if (hh > 23 || mm > 59) throw new BadInput(`${flag} ${text}: ${zone} is not a UTC offset; use +HH:MM`);
      offset = (z[1] === '-' ? -1 : 1) * (hh * 60 + mm);
    }
    const instant = new Date(wall - offset * 60_000);
    return { instant, rfc3339: rfc3339At(instant, offset), said: `${shown} (${zone.toUpperCase() === 'Z' ? 'UTC' : `UTC${formatOffset(offset)}`}) means ${utc(instant)}` };
  }
  const tz = o.timeZone ?? localZone();
  // The offsets a day either side: a DST change lies between them at most once.
  const offsets = [...new Set([offsetAt(tz, wall - 86_400_000), offsetAt(tz, wall + 86_400_000)])];
  const fits = offsets.filter((off) => offsetAt(tz, wall - off * 60_000) === off);
  if (fits.length === 0) throw new BadInput(`${flag} ${text}: ${shown} does not exist in ${tz} (the clocks skip it for daylight saving time); give a time with an offset, e.g. ${rfc3339At(new Date(wall - offsets[0] * 60_000), offsets[0])}`);
  if (fits.length > 1) {
    const both = fits.map((off) => rfc3339At(new Date(wall - off * 60_000), off)).join(' or ');
    throw new BadInput(`${flag} ${text}: ${shown} happens twice in ${tz} (the clocks go back); give the offset: ${both}`);
  }
  const instant = new Date(wall - fits[0] * 60_000);
  return { instant, rfc3339: rfc3339At(instant, fits[0]), said: `${shown} (${tz}, no zone given: this machine's local time) means ${utc(instant)}` };
}
