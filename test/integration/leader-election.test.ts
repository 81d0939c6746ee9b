// Two daemons elect one leader on a Lease in the sandbox API; the other takes
// over when the leader releases it, or when the leader dies and stops renewing.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/services/kube/leader-election.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => t?.close());

function candidate(identity: string, name: string) {
  const events: string[] = [];
  const e = new LeaderElector(t.kc, {
    namespace: 'default',
    name,
    identity,
    leaseDurationSeconds: 2,
    renewDeadlineSeconds: 1.5,
    retryPeriodSeconds: 0.2,
    onStartedLeading: () => events.push('start'),
    onStoppedLeading: () => events.push('stop'),
  });
  return { e, events };
}

describe('leader election', () => {
  it('elects exactly one of two, and hands over on release', async () => {
    const a = candidate('a', 'zpg-operator');
    const b = candidate('b', 'zpg-operator');
    a.e.start();
    await eventually('a leads', () => a.e.isLeader);
    b.e.start();
    await new Promise((r) => setTimeout(r, 1000));
    expect([a.e.isLeader, b.e.isLeader]).toEqual([true, false]);
    await a.e.stop();
    await eventually('b takes over after the release', () => b.e.isLeader, 3000);
    expect(a.events).toEqual(['start', 'stop']);
    expect(b.events).toEqual(['start']);
    const lease = await t.kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: 'default', name: 'zpg-operator' });
    expect(lease.spec?.holderIdentity).toBe('b');
    expect(lease.spec?.leaseTransitions).toBe(1);
    await b.e.stop();
  });

  it('takes over from a leader that died, but only after the lease duration', async () => {
    const api = t.kc.makeApiClient(k8s.CoordinationV1Api);
    await api.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'ghosted' }, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 2, renewTime: new Date(), leaseTransitions: 0 } },
    });
    const b = candidate('b', 'ghosted');
    const started = Date.now();
    b.e.start();
    await eventually('b takes over from the ghost', () => b.e.isLeader, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    await b.e.stop();
  });
});
