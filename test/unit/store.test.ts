// The store as its readers see it: objects in, cluster rows out.
import { describe, expect, it } from 'vitest';
import { clusterRows, createZpgStore } from '../../src/store/store.ts';

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
