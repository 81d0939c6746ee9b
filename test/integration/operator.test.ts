// zpg --daemon against the sandbox API through the real client-node: every
// fixture converges, repairs are watch-driven, configuration changes apply
// live, bad manifests are reported without stopping the others, deletes obey
// their guards, and a quiet fleet costs no writes.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markPodReady } from '../../src/sandbox/controllers/index.ts';
import { eventually, type TestApi } from '../helpers/sandbox.ts';
import { manifest, startOperatorApi, startTestDaemon } from '../helpers/operator.ts';
import type { Daemon } from '../../src/operator/daemon.ts';

type Obj = k8s.KubernetesObject & Record<string, unknown>;
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

let t: TestApi;
let d: Awaited<ReturnType<typeof startTestDaemon>>;
let objects: k8s.KubernetesObjectApi;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;

const pg = (ns: string, name: string) =>
  custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: ns, name }) as Promise<Obj & { status?: Record<string, unknown>; metadata: k8s.V1ObjectMeta }>;
const patchPg = (ns: string, name: string, body: unknown) =>
  custom.patchNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: ns, name, body }, MERGE);
const exists = async (fn: () => Promise<unknown>) => fn().then(() => true, () => false);
const events = async (ns: string, name: string) => (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` })).items;
const namespaces = new Set<string>();
async function create(obj: k8s.KubernetesObject): Promise<void> {
  const ns = obj.metadata!.namespace!;
  if (!namespaces.has(ns)) {
    namespaces.add(ns);
    await core.createNamespace({ body: { metadata: { name: ns } } });
  }
  await objects.create(obj);
}
const writes = (daemon: Daemon) => daemon.controller?.writer.totalWrites ?? 0;

async function converged(ns: string, name: string, secrets: number): Promise<void> {
  await eventually(`${ns}/${name} to converge`, async () => {
    const sts = await apps.readNamespacedStatefulSet({ namespace: ns, name });
    await core.readNamespacedService({ namespace: ns, name });
    await core.readNamespacedService({ namespace: ns, name: `${name}-repl` });
    const s = await core.listNamespacedSecret({ namespace: ns, labelSelector: `cluster-name=${name}` });
    const p = await pg(ns, name);
    return sts && s.items.length === secrets && p.status?.PostgresClusterStatus === 'Creating';
  }, 15_000, 100);
}

beforeAll(async () => {
  t = await startOperatorApi();
  objects = k8s.KubernetesObjectApi.makeApiClient(t.kc);
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  await create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'postgres-operator', namespace: 'zpg-system' }, data: { kubernetes_use_configmaps: 'true', enable_master_load_balancer: 'false' } } as Obj);
  d = await startTestDaemon(t, { configMapName: 'postgres-operator', resyncMs: 300 });
  await eventually('the daemon to lead', () => d.leading && d.controller, 10_000);
}, 30_000);

afterAll(async () => {
  await d?.stop();
  await t?.close();
});

describe('fixture manifests converge', () => {
  const cases: [file: string, index: number, ns: string, secrets: number][] = [
    ['minimal-postgres-manifest.yaml', 0, 'fx-minimal', 4],
    ['complete-postgres-manifest.yaml', 0, 'fx-complete', 7],
    ['complete-postgres-manifest.v1.15.1.yaml', 0, 'fx-complete-v1', 7],
    ['standby-manifest.yaml', 0, 'fx-standby', 2],
    ['standby-variants.yaml', 2, 'fx-standby-host', 2],
    ['clone-from-s3-manifest.yaml', 0, 'fx-clone', 2],
  ];
  it.each(cases)('%s (document %i) in %s', async (file, index, ns, secrets) => {
    const m = manifest(file, index, { namespace: ns });
    await create(m);
    await converged(ns, m.metadata!.name!, secrets);
    const p = await pg(ns, m.metadata!.name!);
    expect(p.status?.observedGeneration).toBe(p.metadata.generation);
    const conditions = p.status?.conditions as { type: string; status: string; reason: string }[];
    expect(conditions.find((c) => c.type === 'Reconciled')).toMatchObject({ status: 'True' });
    expect(conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'NoLeader' });
    const pdbs = await t.kc.makeApiClient(k8s.PolicyV1Api).listNamespacedPodDisruptionBudget({ namespace: ns });
    expect(pdbs.items.map((x) => x.metadata!.name).sort()).toEqual([`postgres-${m.metadata!.name}-critical-op-pdb`, `postgres-${m.metadata!.name}-pdb`]);
    expect(await exists(() => core.readNamespacedServiceAccount({ namespace: ns, name: 'postgres-pod' }))).toBe(true);
    const reasons = (await events(ns, m.metadata!.name!)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Create', 'Services', 'Secrets', 'StatefulSet']));
  });
});

describe('a running cluster', () => {
  const ns = 'run';
  const name = 'acid-run';
  beforeAll(async () => {
    await create(manifest('minimal-postgres-manifest.yaml', 0, { namespace: ns, name }));
    await converged(ns, name, 4);
  }, 20_000);

  it('reports Running once the pods are ready and one is the leader', async () => {
    // OrderedReady: pod 1 appears once pod 0 is ready, as on a real cluster.
    for (const [i, role] of [[0, 'master'], [1, 'replica']] as const) {
      const pod = `${name}-${i}`;
      await eventually(`pod ${pod}`, () => core.readNamespacedPod({ namespace: ns, name: pod }));
      markPodReady(t.api.registry, ns, pod, `10.0.0.${i + 1}`);
      await core.patchNamespacedPod({ namespace: ns, name: pod, body: { metadata: { labels: { 'spilo-role': role } } } }, MERGE);
    }
    const p = (await eventually('status Running', async () => {
      const x = await pg(ns, name);
      return x.status?.PostgresClusterStatus === 'Running' ? x : undefined;
    }))!;
    expect((p.status!.conditions as { type: string; status: string; message: string }[]).find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', message: `2/2 members ready; leader ${name}-0` });
  });

  it('scales up and down with numberOfInstances', async () => {
    await patchPg(ns, name, { spec: { numberOfInstances: 3 } });
    await eventually('3 replicas', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.replicas === 3);
    await patchPg(ns, name, { spec: { numberOfInstances: 1 } });
    await eventually('1 replica', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.replicas === 1);
    await patchPg(ns, name, { spec: { numberOfInstances: 2 } });
    await eventually('2 replicas', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.replicas === 2);
  });

  it('brings back a Service deleted by hand', async () => {
    await core.deleteNamespacedService({ namespace: ns, name: `${name}-repl` });
    const svc = await eventually('the replica service back', () => core.readNamespacedService({ namespace: ns, name: `${name}-repl` }), 5_000);
    expect(svc.spec!.selector).toEqual({ application: 'spilo', 'cluster-name': name, 'spilo-role': 'replica' });
  });

  it('reverts a hand-edited StatefulSet and marks its pods for a rolling update only if their template moved', async () => {
    const before = await apps.readNamespacedStatefulSet({ namespace: ns, name });
    const image = before.spec!.template.spec!.containers[0]!.image;
    await apps.patchNamespacedStatefulSet({ namespace: ns, name, body: { spec: { template: { spec: { containers: [{ name: 'postgres', image: 'example/hacked:1' }] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    await eventually('image restored', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.template.spec!.containers[0]!.image === image, 5_000);
    // OnDelete: the pods never ran the hand-edited template, so none needs recreating.
    const pods = await core.listNamespacedPod({ namespace: ns });
    expect(pods.items.map((p) => p.metadata!.annotations?.['zalando-postgres-operator-rolling-update-required'])).toEqual([undefined, undefined]);
  });

  it('costs no API writes while nothing changes, across several resyncs', async () => {
    // Settled first, as state: idle, and no write in 600 ms (the hand edit above may still be echoing back).
    await eventually('the daemon to settle', async () => {
      await d.controller!.idle();
      const n = writes(d);
      await new Promise((r) => setTimeout(r, 600));
      return writes(d) === n;
    }, 20_000, 0);
    const before = writes(d);
    await new Promise((r) => setTimeout(r, 1500)); // 5 resync periods of 300 ms
    await d.controller!.idle();
    expect(writes(d) - before).toBe(0);
  });

  it('applies a ConfigMap change live: new image in the StatefulSet, pods marked for the rolling update', async () => {
    await core.patchNamespacedConfigMap({ namespace: 'zpg-system', name: 'postgres-operator', body: { data: { docker_image: 'ghcr.io/zalando/spilo-18:4.1-p3' } } }, MERGE);
    await eventually('new image', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.template.spec!.containers[0]!.image === 'ghcr.io/zalando/spilo-18:4.1-p3', 5_000);
    // Every pod is marked, or already recreated from the new template by the rollout that follows the marks.
    const image = 'ghcr.io/zalando/spilo-18:4.1-p3';
    await eventually(
      'pods marked or rolled',
      async () =>
        (await core.listNamespacedPod({ namespace: ns })).items.every(
          (p) => p.metadata!.annotations?.['zalando-postgres-operator-rolling-update-required'] === 'true' || p.spec!.containers[0]!.image === image,
        ),
      5_000,
    );
    await eventually('status Updating', async () => (await pg(ns, name)).status?.PostgresClusterStatus === 'Updating', 5_000);
  });

  it('keeps the last good configuration when a value is bad, and says so on the ConfigMap', async () => {
    await core.patchNamespacedConfigMap({ namespace: 'zpg-system', name: 'postgres-operator', body: { data: { workers: 'many', docker_image: 'bad/image:1' } } }, MERGE);
    const ev = (await eventually('InvalidConfiguration event', async () => (await events('zpg-system', 'postgres-operator')).find((e) => e.reason === 'InvalidConfiguration'), 5_000))!;
    expect(ev.message).toMatch(/workers: "many" is not an integer/);
    await new Promise((r) => setTimeout(r, 500));
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name })).spec!.template.spec!.containers[0]!.image).toBe('ghcr.io/zalando/spilo-18:4.1-p3');
  });
});

describe('invalid manifests', () => {
  it('get a failed status and a Warning naming the field, while other clusters keep reconciling', async () => {
    const ns = 'bad';
    const bad = manifest('minimal-postgres-manifest.yaml', 0, { namespace: ns, name: 'acid-bad' });
    (bad.spec.users as Record<string, string[]>).zalando = ['superuser', 'nosuperuser'];
    bad.spec.maintenanceWindows = ['Sat:05:00-04:00'];
    await create(bad);
    const good = manifest('minimal-postgres-manifest.yaml', 0, { namespace: ns, name: 'acid-good' });
    await create(good);
    await converged(ns, 'acid-good', 4);
    const p = (await eventually('CreateFailed', async () => {
      const x = await pg(ns, 'acid-bad');
      return x.status?.PostgresClusterStatus === 'CreateFailed' ? x : undefined;
    }))!;
    const reconciled = (p.status!.conditions as { type: string; message: string }[]).find((c) => c.type === 'Reconciled')!;
    expect(reconciled.message).toMatch(/spec\.users\.zalando: flags "SUPERUSER" and its opposite are both set/);
    expect(reconciled.message).toMatch(/spec\.maintenanceWindows\[0\]/);
    const warning = (await events(ns, 'acid-bad')).find((e) => e.type === 'Warning' && e.reason === 'Create');
    expect(warning?.message).toMatch(/spec\.users\.zalando/);
    expect(await exists(() => apps.readNamespacedStatefulSet({ namespace: ns, name: 'acid-bad' }))).toBe(false);
    // fixed → reconciled normally
    await patchPg(ns, 'acid-bad', { spec: { users: { zalando: ['superuser'] }, maintenanceWindows: ['Sat:01:00-04:00'] } });
    await converged(ns, 'acid-bad', 4);
  });
});

describe('delete', () => {
  it('removes what Zalando removes but keeps volumes unless configured', async () => {
    const ns = 'del';
    const m = manifest('minimal-postgres-manifest.yaml', 0, { namespace: ns, name: 'acid-del' });
    await create(m);
    await converged(ns, 'acid-del', 4);
    await eventually('the StatefulSet claims its volume', () => core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pgdata-acid-del-0' }));
    await custom.deleteNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: ns, name: 'acid-del' });
    await eventually('children gone', async () => !(await exists(() => apps.readNamespacedStatefulSet({ namespace: ns, name: 'acid-del' }))) && !(await exists(() => core.readNamespacedService({ namespace: ns, name: 'acid-del' }))), 5_000);
    expect((await core.listNamespacedSecret({ namespace: ns, labelSelector: 'cluster-name=acid-del' })).items).toEqual([]);
    expect((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((c) => c.metadata!.name)).toContain('pgdata-acid-del-0');
  });

  it('ignores a delete without the guard annotations and honours one with them', async () => {
    await core.patchNamespacedConfigMap({ namespace: 'zpg-system', name: 'postgres-operator', body: { data: { workers: '8', delete_annotation_date_key: 'delete-date', delete_annotation_name_key: 'delete-clustername' } } }, MERGE);
    // the guard is in force once the daemon's configuration says so (its /config), not after some time
    await eventually('the delete guard in the configuration', async () => (await (await fetch(`${d.url}/config`)).text()).includes('delete-clustername'), 10_000);
    const ns = 'guard';
    for (const name of ['acid-kept', 'acid-gone']) {
      await create(manifest('minimal-postgres-manifest.yaml', 0, { namespace: ns, name }));
      await converged(ns, name, 4);
    }
    await patchPg(ns, 'acid-gone', { metadata: { annotations: { 'delete-date': new Date().toISOString().slice(0, 10), 'delete-clustername': 'acid-gone' } } });
    await new Promise((r) => setTimeout(r, 300));
    for (const name of ['acid-kept', 'acid-gone']) await custom.deleteNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: ns, name });
    await eventually('guarded delete done', async () => !(await exists(() => apps.readNamespacedStatefulSet({ namespace: ns, name: 'acid-gone' }))), 5_000);
    expect(await exists(() => apps.readNamespacedStatefulSet({ namespace: ns, name: 'acid-kept' }))).toBe(true);
    const warning = (await events(ns, 'acid-kept')).find((e) => e.reason === 'Delete' && e.type === 'Warning');
    expect(warning?.message).toMatch(/Deletion ignored.*delete-date/);
  });
});

describe('running like a controller', () => {
  it('serves health, readiness and Prometheus metrics', async () => {
    expect(await (await fetch(`${d.url}/healthz`)).text()).toBe('ok\n');
    expect((await fetch(`${d.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${d.url}/metrics`)).text();
    // the docker_image change above left every cluster waiting for its rolling update
    expect(metrics).toMatch(/^zpg_clusters\{status="Updating"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^zpg_queue_depth \d+$/m);
    expect(metrics).toMatch(/^zpg_reconcile_duration_seconds_count [1-9]\d*$/m);
    expect(metrics).toMatch(/^zpg_api_writes_total\{verb="create",kind="StatefulSet"\} [1-9]/m);
    expect(metrics).toMatch(/^zpg_leader 1$/m);
  });

  it('a second daemon stands by, takes over when the first stops, and creates no duplicates', async () => {
    const second = await startTestDaemon(t, { configMapName: 'postgres-operator', resyncMs: 300 });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      expect(second.leading).toBe(false);
      expect(await (await fetch(`${second.url}/readyz`)).text()).toBe('ok: standing by\n');
      const statefulSets = (await apps.listStatefulSetForAllNamespaces()).items.length;
      await d.stop();
      await eventually('the second daemon to lead', () => second.leading && second.controller, 8_000);
      await second.controller!.idle();
      await new Promise((r) => setTimeout(r, 500));
      await second.controller!.idle();
      const creates = [...second.controller!.writer.writes].filter(([k]) => k.startsWith('create ') && k !== 'create Event');
      expect(creates).toEqual([]);
      expect((await apps.listStatefulSetForAllNamespaces()).items.length).toBe(statefulSets);
      expect(second.logs.some((l) => l.msg === 'started leading; reconciling')).toBe(true);
    } finally {
      d = second;
    }
  }, 20_000);

  it('never logs a password', () => {
    const text = JSON.stringify(d.logs);
    expect(text).not.toMatch(/[A-Za-z0-9]{64}/);
  });
});
