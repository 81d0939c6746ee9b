// pod_environment_configmap and pod_environment_secret reach the pods as in
// Zalando: the Secret's keys as secretKeyRefs, then the ConfigMap's values,
// each sorted, after spec.env and before the operator's own WAL bucket env
// (first name wins); logical_backup_cronjob_environment_secret's keys reach the
// backup CronJob. The Secret's values are never copied or logged. An object
// that cannot be read stops the write (the pods would otherwise lose env and
// roll) with a status and an event naming the key.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApi } from '../helpers/sandbox.ts';
import { manifest, startOperatorApi, startTestDaemon } from '../helpers/operator.ts';

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const NS = 'pe';
const SECRET_VALUE = 'do-not-print-me-9f2c';

let t: TestApi;
let d: Awaited<ReturnType<typeof startTestDaemon>>;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let batch: k8s.BatchV1Api;
let custom: k8s.CustomObjectsApi;

const spiloEnv = async (name: string): Promise<Env[]> => {
  const sts = await apps.readNamespacedStatefulSet({ namespace: NS, name });
  return sts.spec!.template.spec!.containers[0]!.env as Env[];
};
const configure = (data: Record<string, string>) => core.patchNamespacedConfigMap({ namespace: 'zpg-system', name: 'postgres-operator', body: { data } }, MERGE);
const status = async (name: string) =>
  ((await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name })) as { status?: { PostgresClusterStatus?: string; conditions?: { type: string; status: string; message: string }[] } }).status;

beforeAll(async () => {
  t = await startOperatorApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  batch = t.kc.makeApiClient(k8s.BatchV1Api);
  custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  for (const ns of ['zpg-system', NS]) await core.createNamespace({ body: { metadata: { name: ns } } });
  // a name without a namespace is looked up where the operator runs (Zalando's NamespacedName)
  await core.createNamespacedConfigMap({ namespace: 'zpg-system', body: { metadata: { name: 'pod-env' }, data: { AWS_ENDPOINT: 'http://127.0.0.1:9000', WAL_S3_BUCKET: 'from-configmap', AWS_REGION: 'from-configmap' } } });
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'pod-env-secret' }, stringData: { AWS_SECRET_ACCESS_KEY: SECRET_VALUE, AWS_ACCESS_KEY_ID: 'id-4711', AWS_REGION: 'from-secret' } } });
  await core.createNamespacedConfigMap({
    namespace: 'zpg-system',
    body: {
      metadata: { name: 'postgres-operator' },
      data: {
        kubernetes_use_configmaps: 'true',
        enable_master_load_balancer: 'false',
        pod_environment_configmap: 'pod-env',
        pod_environment_secret: 'pod-env-secret',
        logical_backup_cronjob_environment_secret: 'pod-env-secret',
        wal_s3_bucket: 'from-config',
      },
    },
  });
  d = await startTestDaemon(t, { configMapName: 'postgres-operator', resyncMs: 500 });
  await eventually('the daemon to lead', () => d.leading && d.controller, 10_000);
}, 30_000);

afterAll(async () => {
  await d?.stop();
  await t?.close();
});

describe('pod_environment_configmap and pod_environment_secret', () => {
  it("the StatefulSet's Spilo env carries them in Zalando's order; the Secret only by reference", async () => {
    const m = manifest('minimal-postgres-manifest.yaml', 0, { namespace: NS, name: 'acid-env' });
    m.spec.env = [{ name: 'BACKUP_SCHEDULE', value: '0 5 * * *' }];
    await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, body: m });
    const env = await eventually('the StatefulSet', () => spiloEnv('acid-env'), 20_000, 100);
    const names = env.map((e) => e.name);
    // spec.env, then the Secret's keys (sorted, as secretKeyRefs), then the ConfigMap's (sorted, a name already
    // there skipped: AWS_REGION stays the Secret's), then the operator's WAL env (WAL_S3_BUCKET: the ConfigMap's won)
    expect(names.slice(names.indexOf('BACKUP_SCHEDULE'))).toEqual([
      'BACKUP_SCHEDULE',
      'AWS_ACCESS_KEY_ID',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_ENDPOINT',
      'WAL_S3_BUCKET',
      'WAL_BUCKET_SCOPE_SUFFIX',
      'WAL_BUCKET_SCOPE_PREFIX',
    ]);
    expect(names.indexOf('BACKUP_SCHEDULE')).toBe(names.indexOf('KUBERNETES_USE_CONFIGMAPS') + 1);
    const byName = new Map(env.map((e) => [e.name, e]));
    expect(byName.get('AWS_ENDPOINT')).toEqual({ name: 'AWS_ENDPOINT', value: 'http://127.0.0.1:9000' });
    expect(byName.get('WAL_S3_BUCKET')).toEqual({ name: 'WAL_S3_BUCKET', value: 'from-configmap' });
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']) {
      expect(byName.get(key)).toEqual({ name: key, valueFrom: { secretKeyRef: { name: 'pod-env-secret', key } } });
    }
    const sts = await apps.readNamespacedStatefulSet({ namespace: NS, name: 'acid-env' });
    expect(JSON.stringify(sts)).not.toContain(SECRET_VALUE);
    expect(JSON.stringify(d.logs)).not.toContain(SECRET_VALUE);
  });

  it('the logical backup CronJob gets the keys of logical_backup_cronjob_environment_secret', async () => {
    await custom.patchNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name: 'acid-env', body: { spec: { enableLogicalBackup: true } } }, MERGE);
    const job = await eventually('the CronJob', () => batch.readNamespacedCronJob({ namespace: NS, name: 'logical-backup-acid-env' }), 20_000, 100);
    const env = job.spec!.jobTemplate.spec!.template.spec!.containers[0]!.env as Env[];
    expect(env.filter((e) => e.valueFrom?.secretKeyRef?.name === 'pod-env-secret').map((e) => e.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
    expect(JSON.stringify(job)).not.toContain(SECRET_VALUE);
  });

  it('a changed ConfigMap reaches the StatefulSet at a later sync (it is not watched, as in Zalando)', async () => {
    await core.patchNamespacedConfigMap({ namespace: 'zpg-system', name: 'pod-env', body: { data: { AWS_ENDPOINT: 'http://127.0.0.2:9000' } } }, MERGE);
    await eventually('the new endpoint', async () => (await spiloEnv('acid-env')).find((e) => e.name === 'AWS_ENDPOINT')?.value === 'http://127.0.0.2:9000', 30_000, 200);
  });

  it('a Secret that does not exist: nothing written, the status and an event name the key; the env stays', async () => {
    const before = await spiloEnv('acid-env');
    await configure({ pod_environment_secret: 'no-such-secret' });
    await eventually('SyncFailed naming the key', async () => {
      const s = await status('acid-env');
      return s?.PostgresClusterStatus === 'SyncFailed' && s.conditions?.some((c) => c.type === 'Reconciled' && c.message === `pod_environment_secret: Secret ${NS}/no-such-secret not found: create it or fix the configuration`);
    }, 20_000, 100);
    const events = (await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=acid-env' })).items;
    expect(events.some((e) => e.type === 'Warning' && e.message === `pod_environment_secret: Secret ${NS}/no-such-secret not found: create it or fix the configuration`)).toBe(true);
    expect(await spiloEnv('acid-env')).toEqual(before);
    // fixed: the next sync writes again
    await configure({ pod_environment_secret: 'pod-env-secret' });
    await eventually('reconciled again', async () => (await status('acid-env'))?.conditions?.some((c) => c.type === 'Reconciled' && c.status === 'True'), 30_000, 200);
  });
});
