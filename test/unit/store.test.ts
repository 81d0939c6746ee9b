// The store as its readers see it: objects in, cluster rows out.
import { describe, expect, it } from 'vitest';
import { clusterEvents, clusterRow, clusterRows, createZpgStore, statefulSetOf } from '../../src/store/store.ts';

describe('zpg store', () => {
  it('joins pods to their cluster by label and namespace, and forgets removed objects', () => {
    const store = createZpgStore();
    const s = () => store.getState();
    s().upsert('postgresqls', { metadata: { name: 'acid-a', namespace: 'ns1' }, spec: { numberOfInstances: 1 } } as never);
    s().upsert('postgresqls', { metadata: { name: 'acid-a', namespace: 'ns2' }, spec: { numberOfInstances: 1 } } as never);
    const pod = { metadata: { name: 'acid-a-0', namespace: 'ns1', labels: { 'cluster-name': 'acid-a', 'spilo-role': 'master' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
    s().upsert('pods', pod);
    let rows = clusterRows(s());
    expect(rows.map((r) => [r.namespace, r.name, r.leader, r.total])).toEqual([
      ['ns1', 'acid-a', 'acid-a-0', 1],
      ['ns2', 'acid-a', undefined, 0],
    ]);
    s().remove('pods', pod);
    rows = clusterRows(s());
    expect(rows[0].total).toBe(0);
  });

  it('keeps the last status line for the console and the daemon logs', () => {
    const store = createZpgStore();
    store.getState().say('error', 'the API server answered 403: check RBAC');
    expect(store.getState().status).toMatchObject({ level: 'error', text: 'the API server answered 403: check RBAC' });
  });
});

describe('zpg store: what the console reads', () => {
  const pg = (name: string) => ({ metadata: { name, namespace: 'default' }, spec: { numberOfInstances: 2 } });
  const pod = (name: string, cluster: string, status: Record<string, unknown>, role = 'replica') => ({
    metadata: { name, namespace: 'default', labels: { 'cluster-name': cluster, 'spilo-role': role }, annotations: { status: JSON.stringify(status) } },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  });

  it('applies a burst of changes as one update', () => {
    const sts = { metadata: { name: 'acid-a', namespace: 'default' }, spec: { replicas: 2 } };
    const store = createZpgStore();
    let updates = 0;
    store.subscribe(() => updates++);
    store.getState().apply([
      { op: 'upsert', kind: 'postgresqls', obj: pg('acid-a') },
      { op: 'upsert', kind: 'pods', obj: pod('acid-a-0', 'acid-a', { role: 'master', state: 'running' }, 'master') },
      { op: 'upsert', kind: 'statefulsets', obj: sts },
      { op: 'remove', kind: 'pods', obj: { metadata: { name: 'nope', namespace: 'default' } } },
    ]);
    expect(updates).toBe(1);
    expect(statefulSetOf(store.getState(), 'default/acid-a')?.spec?.replicas).toBe(2);
    expect(clusterRow(store.getState(), 'default/acid-a')?.leader).toBe('acid-a-0');
  });

  it('recomputes only the cluster whose pods changed', () => {
    const store = createZpgStore();
    const s = () => store.getState();
    s().apply([pg('acid-a'), pg('acid-b')].map((obj) => ({ op: 'upsert' as const, kind: 'postgresqls' as const, obj })));
    s().upsert('pods', pod('acid-a-0', 'acid-a', { role: 'master' }, 'master'));
    s().upsert('pods', pod('acid-b-0', 'acid-b', { role: 'master' }, 'master'));
    const [a1, b1] = clusterRows(s());
    s().upsert('pods', pod('acid-b-1', 'acid-b', { role: 'replica' }));
    const [a2, b2] = clusterRows(s());
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
    expect(b2.total).toBe(2);
  });

  it('reads members from Patroni while it answers, and from the pod annotations when it does not', () => {
    const store = createZpgStore();
    const s = () => store.getState();
    s().upsert('postgresqls', pg('acid-a'));
    s().upsert('pods', pod('acid-a-0', 'acid-a', { role: 'master', state: 'running', xlog_location: 5000 }, 'master'));
    s().upsert('pods', pod('acid-a-1', 'acid-a', { role: 'replica', state: 'running', xlog_location: 1000 }));
    // Without Patroni, lag is the leader's WAL position minus the replica's, as patronictl computes it from the DCS.
    expect(clusterRow(s(), 'default/acid-a')?.members.map((m) => [m.name, m.source, m.lagBytes])).toEqual([
      ['acid-a-0', 'pod', undefined],
      ['acid-a-1', 'pod', 4000],
    ]);
    const members = [
      { name: 'acid-a-0', role: 'replica', state: 'streaming', pendingRestart: false },
      { name: 'acid-a-1', role: 'leader', state: 'running', pendingRestart: false },
    ];
    s().setPatroni('default/acid-a', { members, at: Date.now(), via: 'acid-a-0' });
    expect(clusterRow(s(), 'default/acid-a')).toMatchObject({ leader: 'acid-a-1', members: [{ source: 'patroni' }, { source: 'patroni' }] });
    s().setPatroni('default/acid-a', { members, at: Date.now(), via: 'acid-a-0', error: 'acid-a-0: no answer within 3000 ms', failedSince: Date.now() });
    expect(clusterRow(s(), 'default/acid-a')).toMatchObject({ leader: 'acid-a-0', members: [{ source: 'pod' }, { source: 'pod' }] });
    s().setPatroni('default/acid-a', undefined);
    expect(s().patroni).toEqual({});
  });

  it("lists a cluster's events newest first: its own objects by generated name or pod label, not a name prefix", () => {
    const store = createZpgStore();
    const oddPod = { metadata: { name: 'odd-name', namespace: 'default', labels: { 'cluster-name': 'acid-a' } } };
    const ev = (name: string, kind: string, object: string, at: string) => ({ metadata: { name, namespace: 'default' }, involvedObject: { kind, name: object, namespace: 'default' }, reason: name, lastTimestamp: at });
    store.getState().apply([
      { op: 'upsert', kind: 'pods', obj: oddPod },
      { op: 'upsert', kind: 'events', obj: ev('old', 'postgresql', 'acid-a', '2026-01-01T00:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('new', 'Pod', 'acid-a-1', '2026-01-02T00:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('labelled', 'Pod', 'odd-name', '2026-01-02T01:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('sts', 'StatefulSet', 'acid-a', '2026-01-02T02:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('svc', 'Service', 'acid-a-repl', '2026-01-02T03:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('pdb', 'PodDisruptionBudget', 'postgres-acid-a-pdb', '2026-01-02T04:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('secret', 'Secret', 'postgres.acid-a.credentials.postgresql.acid.zalan.do', '2026-01-02T05:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('other', 'Pod', 'acid-ab', '2026-01-03T00:00:00Z') },
      // acid-a-replica is another cluster: none of its objects are acid-a's
      { op: 'upsert', kind: 'events', obj: ev('r-pg', 'postgresql', 'acid-a-replica', '2026-01-03T00:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('r-pod', 'Pod', 'acid-a-replica-0', '2026-01-03T00:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('r-svc', 'Service', 'acid-a-replica-repl', '2026-01-03T00:00:00Z') },
      { op: 'upsert', kind: 'events', obj: ev('r-secret', 'Secret', 'postgres.acid-a-replica.credentials.postgresql.acid.zalan.do', '2026-01-03T00:00:00Z') },
    ]);
    expect(clusterEvents(store.getState(), 'default/acid-a').map((e) => e.reason)).toEqual(['secret', 'pdb', 'svc', 'sts', 'labelled', 'new', 'old']);
    expect(clusterEvents(store.getState(), 'default/acid-a-replica').map((e) => e.reason).sort()).toEqual(['r-pg', 'r-pod', 'r-secret', 'r-svc']);
  });

  it('notifies focus readers only when the focus really changes', () => {
    const store = createZpgStore();
    let updates = 0;
    store.subscribe(() => updates++);
    store.getState().setFocus({ cluster: 'default/acid-a' });
    store.getState().setFocus({ cluster: 'default/acid-a' });
    expect(updates).toBe(1);
    store.getState().setWatchError('down');
    const since = store.getState().watchError?.since;
    store.getState().setWatchError('still down');
    expect(store.getState().watchError).toEqual({ text: 'still down', since });
  });
});
