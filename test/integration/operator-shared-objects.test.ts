// The objects a namespace's clusters share (the pods' ServiceAccount and its
// RoleBinding) are not created once per worker when the daemon's workers
// reconcile the namespace's clusters at the same moment.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/operator/daemon.ts';
import { manifest, startOperatorApi, startTestDaemon } from '../helpers/operator.ts';
import { eventually, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let d: Daemon;
const ns = 'shared';
const CLUSTERS = 8;

beforeAll(async () => {
  t = await startOperatorApi();
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  for (const name of ['zpg-system', ns]) await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedConfigMap({ namespace: 'zpg-system', body: { metadata: { name: 'postgres-operator' }, data: { kubernetes_use_configmaps: 'true', workers: '8' } } });
  d = await startTestDaemon(t, { configMapName: 'postgres-operator' });
  await eventually('the daemon to lead', () => d.leading && d.controller, 10_000);
});

afterAll(async () => {
  await d?.stop();
  await t?.close();
});

/** the daemon's own count of its writes (what /metrics shows as zpg_api_writes_total) */
const writes = (verb: string, kind: string) => d.controller?.writer.writes.get(`${verb} ${kind}`) ?? 0;

describe("a namespace's shared objects", () => {
  it('are written once when its clusters are reconciled together', async () => {
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    await Promise.all(
      Array.from({ length: CLUSTERS }, (_, i) =>
        custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: ns, plural: 'postgresqls', body: manifest('minimal-postgres-manifest.yaml', 0, { name: `acid-shared-${i}`, namespace: ns }) }),
      ),
    );
    const apps = t.kc.makeApiClient(k8s.AppsV1Api);
    await eventually('every StatefulSet', async () => (await apps.listNamespacedStatefulSet({ namespace: ns })).items.length === CLUSTERS, 30_000);
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    expect((await core.readNamespacedServiceAccount({ namespace: ns, name: 'postgres-pod' })).metadata?.name).toBe('postgres-pod');
    // Creates in flight at once are one (eight before). A reconcile that plans after that create has returned but
    // before the watch has brought the ServiceAccount into the cache may still send one more, answered 409.
    expect(writes('create', 'ServiceAccount')).toBeLessThanOrEqual(2);
    expect(writes('create', 'RoleBinding')).toBeLessThanOrEqual(2);
    expect(writes('create', 'StatefulSet')).toBe(CLUSTERS);
  });
});
