// When a backup is overdue: a cron schedule's longest gap between runs, plus
// slack, against the newest backup's age (and the cluster's age when there is none).
import { describe, expect, it } from 'vitest';
import { backupAges, cronPeriodMs } from '../../src/services/live/backups-schedule.ts';

const H = 3_600_000;

describe('backup schedules', () => {
  it('reads the period of common schedules', () => {
    expect(cronPeriodMs('30 00 * * *')).toBe(24 * H);
    expect(cronPeriodMs('0 */6 * * *')).toBe(6 * H);
    expect(cronPeriodMs('15 3 * * 0')).toBe(7 * 24 * H);
    expect(cronPeriodMs('0 1 * * 1-5')).toBe(3 * 24 * H); // Friday to Monday
    expect(cronPeriodMs('*/10 * * * *')).toBe(10 * 60_000);
    expect(cronPeriodMs('not a schedule')).toBeUndefined();
    expect(cronPeriodMs('61 25 * * *')).toBeUndefined();
  });

  it('is overdue past the period plus slack; no backup counts from the cluster creation', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    const at = (h: number) => new Date(now - h * H).toISOString();
    const base = (h: number) => ({ id: 'b', kind: 'base' as const, format: 'wal-g' as const, prefix: '', timeline: 1, startSegment: '', finishTime: at(h), modified: at(h) });
    const ok = backupAges({ baseBackups: [base(24.5)], logicalBackups: [] }, { base: '00 1 * * *' }, now);
    expect(ok).toMatchObject({ overdue: false, base: { ageMs: 24.5 * H, periodMs: 24 * H, overdue: false } });
    const late = backupAges({ baseBackups: [base(25.5)], logicalBackups: [] }, { base: '00 1 * * *' }, now);
    expect(late.base.overdue).toBe(true);
    expect(backupAges({ baseBackups: [], logicalBackups: [] }, { logical: '30 00 * * *', since: at(2) }, now).overdue).toBe(false);
    expect(backupAges({ baseBackups: [], logicalBackups: [] }, { logical: '30 00 * * *', since: at(48) }, now).logical.overdue).toBe(true);
    // no schedule: never overdue
    expect(backupAges({ baseBackups: [base(500)], logicalBackups: [] }, {}, now).overdue).toBe(false);
  });
});
