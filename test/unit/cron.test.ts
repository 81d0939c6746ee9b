// Cron schedules as CronJob users write them (Zalando's logical backup default is "30 00 * * *").
import { describe, expect, it } from 'vitest';
import { lastRun, parseSchedule } from '../../src/sandbox/controllers/cron.ts';

const at = (iso: string) => new Date(iso);

describe('cron schedules', () => {
  it('matches fields, lists, ranges, steps, names and macros', () => {
    expect(parseSchedule('30 00 * * *').matches(at('2026-11-24T00:30:00Z'))).toBe(true);
    expect(parseSchedule('30 00 * * *').matches(at('2026-11-24T01:30:00Z'))).toBe(false);
    expect(parseSchedule('*/15 * * * *').matches(at('2026-11-24T07:45:00Z'))).toBe(true);
    expect(parseSchedule('0 9-17 * * mon-fri').matches(at('2026-11-24T12:00:00Z'))).toBe(true); // a Tuesday
    expect(parseSchedule('0 9-17 * * mon-fri').matches(at('2026-11-29T12:00:00Z'))).toBe(false); // a Sunday
    expect(parseSchedule('@daily').matches(at('2026-11-24T00:00:00Z'))).toBe(true);
    expect(() => parseSchedule('61 * * * *')).toThrow(/out of range/);
    expect(() => parseSchedule('* * *')).toThrow(/5 fields/);
  });

  it('finds the latest due minute after the last run', () => {
    const s = parseSchedule('*/10 * * * *');
    expect(lastRun(s, at('2026-11-24T10:00:00Z'), at('2026-11-24T10:25:30Z'))?.toISOString()).toBe('2026-11-24T10:20:00.000Z');
    expect(lastRun(s, at('2026-11-24T10:20:00Z'), at('2026-11-24T10:25:30Z'))).toBeUndefined();
  });
});
