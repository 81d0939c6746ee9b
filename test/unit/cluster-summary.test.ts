// The cluster row users read in `zpg list` and the console: leader, readiness,
// lag and health from pods and Patroni, with the pod annotation as fallback.
import { describe, expect, it } from 'vitest';
import { summarizeCluster, type PodLike } from '../../src/services/clusters/summary.ts';

const pg = { metadata: { name: 'acid-x', namespace: 'default' }, spec: { teamId: 'acid', numberOfInstances: 3, postgresql: { version: '15' } }, status: { PostgresClusterStatus: 'Running' } };

function pod(name: string, role: string | undefined, state: string, isReady = true, timeline = 1): PodLike {
  return {
    metadata: { name, labels: role ? { 'spilo-role': role } : {}, annotations: { status: JSON.stringify({ state, role: role === 'master' ? 'master' : 'replica', timeline }) } },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: isReady ? 'True' : 'False' }] },
  };
}

describe('summarizeCluster', () => {
  it('reads leader and states from pod annotations when Patroni is out of reach', () => {
    const row = summarizeCluster(pg, [pod('acid-x-1', 'replica', 'running'), pod('acid-x-0', 'master', 'running'), pod('acid-x-2', 'replica', 'running')]);
    expect(row).toMatchObject({ leader: 'acid-x-0', ready: 3, total: 3, wanted: 3, health: 'Healthy', operatorStatus: 'Running', team: 'acid', version: '15' });
    expect(row.members.map((m) => [m.name, m.role, m.source])).toEqual([
      ['acid-x-0', 'leader', 'pod'],
      ['acid-x-1', 'replica', 'pod'],
      ['acid-x-2', 'replica', 'pod'],
    ]);
  });

  it('prefers Patroni, reports the worst lag, and calls a cluster with a lagging or stopped replica degraded', () => {
    const pods = [pod('acid-x-0', 'master', 'running'), pod('acid-x-1', 'replica', 'running'), pod('acid-x-2', undefined, 'stopped', false)];
    const row = summarizeCluster(pg, pods, [
      { name: 'acid-x-0', role: 'leader', state: 'running', timeline: 2, pendingRestart: false },
      { name: 'acid-x-1', role: 'replica', state: 'streaming', timeline: 2, lagBytes: 4096, pendingRestart: false },
      { name: 'acid-x-2', role: 'replica', state: 'stopped', lagBytes: null, pendingRestart: false },
    ]);
    expect(row.maxLagBytes).toBeNull();
    expect(row.health).toBe('Degraded');
    expect(row.members[1]).toMatchObject({ state: 'streaming', lagBytes: 4096, source: 'patroni' });
  });

  it('calls a replica left on an older timeline unfit, whatever its lag (it replays nothing the leader writes)', () => {
    const pods = [pod('acid-x-0', 'replica', 'running'), pod('acid-x-1', 'replica', 'running'), pod('acid-x-2', 'master', 'running')];
    const members = (stuck: number) => [
      { name: 'acid-x-0', role: 'replica', state: 'running', timeline: 2, lagBytes: 0, pendingRestart: false },
      { name: 'acid-x-1', role: 'replica', state: 'running', timeline: stuck, lagBytes: 16 * 1024 * 1024, pendingRestart: false },
      { name: 'acid-x-2', role: 'leader', state: 'running', timeline: 2, pendingRestart: false },
    ];
    const diverged = summarizeCluster(pg, pods, members(1));
    expect(diverged.health).toBe('Degraded');
    expect(diverged.reasons).toEqual(['acid-x-1: on timeline 1, the leader on 2']);
    expect(summarizeCluster(pg, pods, members(2)).health).toBe('Healthy');
  });

  it('says NoLeader when no member leads, and Pending before any pod exists', () => {
    expect(summarizeCluster(pg, [pod('acid-x-0', undefined, 'starting')]).health).toBe('NoLeader');
    expect(summarizeCluster(pg, []).health).toBe('Pending');
    expect(summarizeCluster({ ...pg, spec: { ...pg.spec, numberOfInstances: 0 } }, []).health).toBe('Stopped');
  });
});
