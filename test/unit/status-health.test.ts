// The postgresql status's Ready condition and the rolling update read the same
// judgement of members (reconcile/health.ts): pods that are all Ready but a
// member Patroni reports unfit make Ready False with that member and why, the
// same member the rollout waits for. (The status once counted Ready pods on its
// own and said MembersReady here.)
import { describe, expect, it } from 'vitest';
import type { KubeObj } from '../../src/operator/build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../../src/operator/build/meta.ts';
import { decideRollout } from '../../src/operator/reconcile/rollout.ts';
import { clusterStatus } from '../../src/operator/reconcile/status.ts';

const NOW = new Date('2026-03-04T12:00:00Z');

function pod(n: number, role: 'master' | 'replica' | undefined, o: { state?: string; xlog?: number; marked?: boolean } = {}): KubeObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `acid-x-${n}`,
      labels: role ? { 'spilo-role': role } : {},
      annotations: {
        ...(o.marked ? { [ROLLING_UPDATE_ANNOTATION]: 'true' } : {}),
        status: JSON.stringify({ state: o.state ?? 'running', role: role ?? 'uninitialized', xlog_location: o.xlog ?? 1000 }),
      },
    },
    // every pod Ready and Running, as the kubelet sees them
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ state: { running: {} } }] },
  } as unknown as KubeObj;
}

const ready = (pods: KubeObj[], maxLagBytes?: number) =>
  clusterStatus({ previous: { PostgresClusterStatus: 'Running' }, generation: 1, kind: 'sync', desiredReplicas: pods.length, pods, roleLabel: 'spilo-role', maxLagBytes, now: NOW }).conditions!.find((c) => c.type === 'Ready');

const rolloutWait = (pods: KubeObj[], maxLagBytes = 33_554_432) =>
  decideRollout({ cluster: 'acid-x', pods, wanted: pods.length, roleLabel: 'spilo-role', maxLagBytes, now: NOW, since: {}, timeoutMs: 600_000, active: true, windows: [] });

describe('Ready comes from the one judgement of members', () => {
  it('healthy: every member fit', () => {
    expect(ready([pod(0, 'master'), pod(1, 'replica')])).toMatchObject({ status: 'True', reason: 'MembersReady', message: '2/2 members ready; leader acid-x-0' });
  });

  it('pods Ready but a replica Patroni reports starting: Ready False naming it, and the rollout waits for the same member', () => {
    const pods = [pod(0, 'master', { marked: true }), pod(1, 'replica', { state: 'starting' })];
    expect(ready(pods)).toMatchObject({ status: 'False', reason: 'MembersNotReady', message: '1/2 members ready; leader acid-x-0; acid-x-1: starting' });
    expect(rolloutWait(pods)).toMatchObject({ kind: 'wait', pod: 'acid-x-1', what: 'pod acid-x-1 to be running and streaming (now: starting)' });
  });

  it('pods Ready but a replica further behind than maximum_lag_on_failover: Ready False with the lag', () => {
    const pods = [pod(0, 'master', { xlog: 5_000_000 }), pod(1, 'replica', { xlog: 1000 })];
    expect(ready(pods, 1_048_576)).toMatchObject({ status: 'False', reason: 'MembersNotReady', message: '1/2 members ready; leader acid-x-0; acid-x-1: lag 4999000 B over 1048576 B' });
    expect(ready(pods)).toMatchObject({ status: 'True' }); // within Spilo's 32 MiB when the manifest sets no limit
  });

  it('pods Ready but no leader in Patroni: Ready False, NoLeader', () => {
    expect(ready([pod(0, 'replica'), pod(1, 'replica')])).toMatchObject({ status: 'False', reason: 'NoLeader', message: '2/2 members ready; no leader' });
  });

  it('the leader pod is labelled but Patroni says its PostgreSQL stopped: not ready, and why', () => {
    expect(ready([pod(0, 'master', { state: 'stopped' }), pod(1, 'replica')])).toMatchObject({ status: 'False', reason: 'MembersNotReady', message: '1/2 members ready; leader acid-x-0; acid-x-0: leader stopped' });
  });
});
