import { describe, expect, it } from 'vitest';
import { LeaderEvents, labelledLeader } from '../../src/operator/controller/leader-events.ts';

const pod = (name: string, role?: string, gone = false) => ({ metadata: { name, labels: (role ? { 'spilo-role': role } : {}) as Record<string, string>, ...(gone ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });

describe('leader events', () => {
  it('records nothing at first sight, then each change of leader once', () => {
    const e = new LeaderEvents();
    expect(e.observe('ns/a', 'a-0')).toBeUndefined();
    expect(e.observe('ns/a', 'a-0')).toBeUndefined();
    expect(e.observe('ns/a', undefined)).toEqual({ type: 'Warning', reason: 'LeaderLost', message: 'no member holds the leader role (was a-0)' });
    // A switchover passes through a moment without a leader: the new one is told as a change from the old one.
    expect(e.observe('ns/a', 'a-1')).toEqual({ type: 'Normal', reason: 'LeaderChanged', message: 'a-1 is the leader (was a-0)' });
    expect(e.observe('ns/a', 'a-2')).toEqual({ type: 'Normal', reason: 'LeaderChanged', message: 'a-2 is the leader (was a-1)' });
    expect(e.observe('ns/a', undefined)?.reason).toBe('LeaderLost');
    expect(e.observe('ns/a', 'a-2')).toEqual({ type: 'Normal', reason: 'LeaderElected', message: 'a-2 is the leader again' });
    e.forget('ns/a');
    expect(e.observe('ns/a', 'a-0')).toBeUndefined();
    expect(e.observe('ns/a', undefined)?.reason).toBe('LeaderLost');
    expect(e.observe('ns/a', 'a-1')?.message).toBe('a-1 is the leader (was a-0)');
  });

  it('takes the one pod labelled master or primary that is not terminating', () => {
    expect(labelledLeader([pod('a-0', 'replica'), pod('a-1', 'master')])).toBe('a-1');
    expect(labelledLeader([pod('a-0', 'primary')])).toBe('a-0');
    expect(labelledLeader([pod('a-0', 'master', true), pod('a-1', 'replica')])).toBeUndefined();
    expect(labelledLeader([pod('a-0', 'master'), pod('a-1', 'master')])).toBeUndefined();
  });
});
