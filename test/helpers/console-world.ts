// A store as the feeds would fill it: two Spilo clusters like the demo's, their
// pods with Patroni's `status` annotations, statefulsets, events, and (when
// asked) Patroni's REST view. For console tests that need no cluster.
import { createZpgStore, type Change, type ZpgStore } from '../../src/store/store.ts';

export function memberPod(cluster: string, i: number, role: 'master' | 'replica', opts: { ready?: boolean; xlog?: number; state?: string; timeline?: number } = {}) {
  return {
    metadata: {
      name: `${cluster}-${i}`,
      namespace: 'default',
      labels: { application: 'spilo', 'cluster-name': cluster, 'spilo-role': role },
      annotations: { status: JSON.stringify({ role, state: opts.state ?? 'running', timeline: opts.timeline ?? 1, xlog_location: opts.xlog ?? 50331648 }) },
    },
    spec: { containers: [{ name: 'postgres', image: 'ghcr.io/zalando/spilo-15:3.0-p1' }] },
    status: { phase: 'Running', podIP: `127.0.40.${10 * (cluster.length % 5) + i + 1}`, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

export function postgresql(name: string, instances: number) {
  return {
    apiVersion: 'acid.zalan.do/v1',
    kind: 'postgresql',
    metadata: { name, namespace: 'default', creationTimestamp: new Date(Date.now() - 3_600_000).toISOString(), managedFields: [{ manager: 'kubectl' }] },
    spec: { teamId: 'acid', numberOfInstances: instances, volume: { size: '1Gi' }, postgresql: { version: '15', parameters: { shared_buffers: '16MB' } }, patroni: { ttl: 8, loop_wait: 2 } },
    status: { PostgresClusterStatus: 'Running' },
  };
}

export function event(name: string, object: string, reason: string, message: string, minutesAgo: number, type = 'Normal') {
  const at = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  return { metadata: { name, namespace: 'default' }, involvedObject: { kind: /-\d+$/.test(object) ? 'Pod' : 'postgresql', name: object, namespace: 'default' }, reason, message, type, lastTimestamp: at, count: 1 };
}

/** acid-demo (3 members, leader acid-demo-0) and acid-small (2 members), as the demo makes them. */
export function demoStore(): ZpgStore {
  const store = createZpgStore({ name: 'zpg-sandbox', namespace: 'default', allNamespaces: false });
  const changes: Change[] = [
    { op: 'upsert', kind: 'postgresqls', obj: postgresql('acid-demo', 3) },
    { op: 'upsert', kind: 'postgresqls', obj: postgresql('acid-small', 2) },
    { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 0, 'master') },
    { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 1, 'replica', { xlog: 50331648 - 2 * 1048576 }) },
    { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 2, 'replica') },
    { op: 'upsert', kind: 'pods', obj: memberPod('acid-small', 0, 'master') },
    { op: 'upsert', kind: 'pods', obj: memberPod('acid-small', 1, 'replica') },
    ...['acid-demo', 'acid-small'].map((name) => ({
      op: 'upsert' as const,
      kind: 'statefulsets' as const,
      obj: { metadata: { name, namespace: 'default' }, spec: { replicas: name === 'acid-demo' ? 3 : 2 }, status: { readyReplicas: name === 'acid-demo' ? 3 : 2, currentRevision: 'r1', updateRevision: 'r1' } },
    })),
    { op: 'upsert', kind: 'events', obj: event('e1', 'acid-demo', 'Create', 'Started creation of new cluster resources', 50) },
    { op: 'upsert', kind: 'events', obj: event('e2', 'acid-demo', 'StatefulSet', 'Statefulset default/acid-demo has been successfully created', 49) },
    { op: 'upsert', kind: 'events', obj: event('e3', 'acid-demo-1', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503', 45, 'Warning') },
    { op: 'upsert', kind: 'events', obj: event('e4', 'acid-small', 'Create', 'Started creation of new cluster resources', 40) },
  ];
  store.getState().apply(changes);
  return store;
}
