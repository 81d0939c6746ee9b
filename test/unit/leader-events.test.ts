import { describe, expect, it } from 'vitest';
import { LeaderEvents, labelledLeader } from '../../src/operator/controller/leader-events.ts';

const pod = (name: string, role?: string, gone = false) => ({ metadata: { name, labels: (role ? { 'spilo-role': role } : {}) as Record<string, string>, ...(gone ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });

describe('leader events', () => {
  it('records nothing at first sight, then each change of leader once', () => {
    const e = new LeaderEvents(10_000);
    let t = 0;
    const at = (leader: string | undefined, ms: number) => e.observe('ns/a', leader, (t = ms));
    expect(at('a-0', 0)).toBeUndefined();
    expect(at('a-0', 1)).toBeUndefined();
    // A switchover passes through a moment without a leader: no Warning, the new one is told as a change from the old one.
    expect(at(undefined, 2)).toBeUndefined();
    expect(e.recheckInMs('ns/a', 1002)).toBe(9000);
    expect(at(undefined, 5000)).toBeUndefined();
    expect(at('a-1', 6000)).toEqual({ type: 'Normal', reason: 'LeaderChanged', message: 'a-1 is the leader (was a-0)' });
    expect(e.recheckInMs('ns/a', t)).toBeUndefined();
    expect(at('a-2', 7000)).toEqual({ type: 'Normal', reason: 'LeaderChanged', message: 'a-2 is the leader (was a-1)' });
    // the same leader back within the grace period: nothing happened worth an event
    expect(at(undefined, 8000)).toBeUndefined();
    expect(at('a-2', 9000)).toBeUndefined();
    // no leader for longer: one Warning, then the leader's return
    expect(at(undefined, 10_000)).toBeUndefined();
    expect(at(undefined, 19_999)).toBeUndefined();
    expect(at(undefined, 20_000)).toEqual({ type: 'Warning', reason: 'LeaderLost', message: 'no member has held the leader role for 10 s (was a-2)' });
    expect(at(undefined, 30_000)).toBeUndefined();
    expect(e.recheckInMs('ns/a', t)).toBeUndefined();
    expect(at('a-2', 31_000)).toEqual({ type: 'Normal', reason: 'LeaderElected', message: 'a-2 is the leader again' });
    e.forget('ns/a');
    expect(at('a-0', 40_000)).toBeUndefined();
    at(undefined, 41_000);
    expect(at(undefined, 52_000)?.reason).toBe('LeaderLost');
    expect(at('a-1', 53_000)?.message).toBe('a-1 is the leader (was a-0)');
    // a cluster first seen without a leader has lost nothing
    expect(e.observe('ns/b', undefined, 0)).toBeUndefined();
    expect(e.observe('ns/b', undefined, 60_000)).toBeUndefined();
    expect(e.recheckInMs('ns/b', 60_000)).toBeUndefined();
    expect(e.observe('ns/b', 'b-0', 60_001)).toEqual({ type: 'Normal', reason: 'LeaderElected', message: 'b-0 is the leader' });
  });

  it('takes the one pod labelled master or primary that is not terminating', () => {
    expect(labelledLeader([pod('a-0', 'replica'), pod('a-1', 'master')])).toBe('a-1');
    expect(labelledLeader([pod('a-0', 'primary')])).toBe('a-0');
    expect(labelledLeader([pod('a-0', 'master', true), pod('a-1', 'replica')])).toBeUndefined();
    expect(labelledLeader([pod('a-0', 'master'), pod('a-1', 'master')])).toBeUndefined();
  });
});
