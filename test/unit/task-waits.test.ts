// What a switchover or failover task waits for before it says "done": the new
// leader on a new timeline, and the replicas following it there.
import { describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../../src/services/tasks/facts.ts';
import { healthyOnLeaderTimeline, leaderTimeline, leads } from '../../src/services/tasks/wait.ts';

type Member = { name: string; role: string; state: string; timeline?: number };

function facts(members: Member[], health: 'Healthy' | 'Degraded' = 'Healthy'): ClusterFacts {
  const leader = members.find((m) => m.role === 'leader' || m.role === 'standby_leader')?.name;
  return {
    namespace: 'default',
    name: 'acid-demo',
    pods: [],
    maxLagBytes: 1 << 20,
    patroni: { members },
    health: { health, leader, reasons: health === 'Healthy' ? [] : ['acid-demo-0: pod not ready'], members: [] },
  } as unknown as ClusterFacts;
}

describe('task waits', () => {
  it('a switchover is not done while Patroni names the new leader on the old timeline', () => {
    const promoting = facts([
      { name: 'acid-demo-0', role: 'replica', state: 'stopped', timeline: 1 },
      { name: 'acid-demo-2', role: 'leader', state: 'running', timeline: 1 },
    ]);
    expect(leads('acid-demo-2', 1)(promoting)).toBe('acid-demo-2 to finish its promotion (timeline 1, was 1)');
    const promoted = facts([{ name: 'acid-demo-2', role: 'leader', state: 'running', timeline: 2 }]);
    expect(leads('acid-demo-2', 1)(promoted)).toBeUndefined();
    // a failover to a member that already leads has no "before" to compare with
    expect(leads('acid-demo-2')(promoting)).toBeUndefined();
    expect(leads('acid-demo-1', 1)(promoted)).toBe('acid-demo-1 to lead (leader now: acid-demo-2)');
    // in a standby cluster the new standby leader stays on the primary's timeline
    const standby = facts([{ name: 'acid-demo-2', role: 'standby_leader', state: 'running', timeline: 1 }]);
    expect(leads('acid-demo-2', leaderTimeline(standby))(standby)).toBeUndefined();
  });

  it('healthy after a leader change means the replicas follow the new timeline', () => {
    const lagging = facts([
      { name: 'acid-demo-0', role: 'replica', state: 'running', timeline: 1 },
      { name: 'acid-demo-1', role: 'replica', state: 'running', timeline: 2 },
      { name: 'acid-demo-2', role: 'leader', state: 'running', timeline: 2 },
    ]);
    expect(healthyOnLeaderTimeline(lagging)).toBe('acid-demo-0 to follow timeline 2');
    const following = facts([
      { name: 'acid-demo-0', role: 'replica', state: 'running', timeline: 2 },
      { name: 'acid-demo-2', role: 'leader', state: 'running', timeline: 2 },
    ]);
    expect(healthyOnLeaderTimeline(following)).toBeUndefined();
    expect(healthyOnLeaderTimeline(facts(following.patroni!.members as Member[], 'Degraded'))).toBe('a healthy cluster (acid-demo-0: pod not ready)');
  });
});
