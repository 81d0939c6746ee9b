// Zalando's read-only operator API on the daemon's port, as its UI and the
// e2e suite read it: /status, /config (secrets masked), /clusters/NS/NAME and
// /workers/all/status, with trailing slashes as Zalando's clients send them.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifest, startOperatorApi, startTestDaemon } from '../helpers/operator.ts';
import { eventually, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let d: Awaited<ReturnType<typeof startTestDaemon>>;

const get = async (path: string) => {
  const res = await fetch(`${d.url}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  t = await startOperatorApi();
  const objects = k8s.KubernetesObjectApi.makeApiClient(t.kc);
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'zpg-system' } } });
  await objects.create({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'postgres-operator', namespace: 'zpg-system' },
    data: { kubernetes_use_configmaps: 'true', workers: '2', logical_backup_s3_secret_access_key: 'very-secret', logical_backup_s3_bucket: 'backups', infrastructure_roles_secret_name: 'infra-roles' },
  } as k8s.KubernetesObject);
  d = await startTestDaemon(t, { configMapName: 'postgres-operator' });
  await eventually('the daemon to lead', () => d.leading && d.controller, 10_000);
  await objects.create(manifest('minimal-postgres-manifest.yaml') as k8s.KubernetesObject);
  await eventually('the cluster reconciled', async () => (await get('/clusters/default/acid-minimal-cluster/')).body.StatefulSet, 15_000, 100);
}, 30_000);

afterAll(async () => {
  await d?.stop();
  await t?.close();
});

describe('operator HTTP API', () => {
  it('/status/ counts clusters and worker queues, as Zalando\'s ControllerStatus', async () => {
    const r = await get('/status/');
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json');
    expect(r.body).toMatchObject({ Clusters: 1, WorkerQueueSize: { '0': expect.any(Number), '1': 0 } });
    expect(r.body.LastSyncTime).toBeGreaterThan(Date.now() / 1000 - 60);
  });

  it('/config/ shows the running configuration with credentials masked', async () => {
    const r = await get('/config/');
    const operator = r.body.operator as Record<string, unknown>;
    expect(operator.logical_backup_s3_bucket).toBe('backups');
    expect(operator.logical_backup_s3_secret_access_key).toBe('******');
    expect(JSON.stringify(r.body)).not.toContain('very-secret');
    expect(r.body.controller).toMatchObject({ Namespace: 'zpg-system', ConfigMapName: 'zpg-system/postgres-operator', InfrastructureRoles: { 'infra-roles': { Password: '******' } } });
  });

  it('/clusters/NS/NAME/ answers the cluster\'s objects; an unknown one is a 404 with a reason', async () => {
    const r = await get('/clusters/default/acid-minimal-cluster/');
    expect(r.body).toMatchObject({ Team: 'acid', Cluster: 'acid-minimal-cluster', Namespace: 'default', Spec: { numberOfInstances: 2 } });
    expect((r.body.StatefulSet as { metadata: { name: string } }).metadata.name).toBe('acid-minimal-cluster');
    expect((r.body.MasterService as { metadata: { name: string } }).metadata.name).toBe('acid-minimal-cluster');
    expect((r.body.Status as { PostgresClusterStatus: string }).PostgresClusterStatus).toBeTruthy();
    const missing = await get('/clusters/default/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/default\/nope is not known/);
  });

  it('/workers/all/status/ says idle per worker, as the e2e suite polls it', async () => {
    await d.controller!.idle();
    expect((await get('/workers/all/status/')).body).toEqual({ '0': 'idle', '1': 'idle' });
  });
});
