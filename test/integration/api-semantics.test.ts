// The sandbox API's Kubernetes semantics, exercised through the real
// client-node over HTTP: what an operator built on it will rely on.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;
let ext: k8s.ApiextensionsV1Api;
const ns = 'sem';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const pg = { group: 'acid.zalan.do', version: 'v1', namespace: ns, plural: 'postgresqls' };

const httpCode = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (e) {
    return (e as { code?: number }).code;
  }
};

function manifest(name: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'acid.zalan.do/v1',
    kind: 'postgresql',
    metadata: { name },
    spec: { teamId: 'acid', numberOfInstances: 2, volume: { size: '1Gi' }, postgresql: { version: '15' }, ...extra },
  };
}

beforeAll(async () => {
  t = await startTestApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  ext = t.kc.makeApiClient(k8s.ApiextensionsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const crd = loadFixture('postgresql.crd.yaml')[0];
  await ext.createCustomResourceDefinition({ body: crd as unknown as k8s.V1CustomResourceDefinition });
});
afterAll(async () => t?.close());

describe('custom resources', () => {
  it('are served once their CRD exists, and discovery says so', async () => {
    const res = (await fetch(`${t.api.url}/apis/acid.zalan.do/v1`).then((r) => r.json())) as { resources: { name: string }[] };
    expect(res.resources.map((r) => r.name)).toEqual(['postgresqls', 'postgresqls/status']);
    const crd = await ext.readCustomResourceDefinition({ name: 'postgresqls.acid.zalan.do' });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
  });

  it('drop status on create, bump generation on spec changes only, and keep status to its subresource', async () => {
    const created = (await custom.createNamespacedCustomObject({ ...pg, body: { ...manifest('acid-gen'), status: { PostgresClusterStatus: 'Running' } } })) as k8s.KubernetesObject & { status?: unknown };
    expect(created.status).toBeUndefined();
    expect(created.metadata?.generation).toBe(1);
    const labelled = (await custom.patchNamespacedCustomObject({ ...pg, name: 'acid-gen', body: { metadata: { labels: { a: 'b' } } } }, merge)) as k8s.KubernetesObject;
    expect(labelled.metadata?.generation).toBe(1);
    const status = (await custom.patchNamespacedCustomObjectStatus({ ...pg, name: 'acid-gen', body: { status: { PostgresClusterStatus: 'Creating' }, spec: { teamId: 'ignored' } } }, merge)) as { spec: { teamId: string }; status: unknown; metadata: k8s.V1ObjectMeta };
    expect(status.status).toEqual({ PostgresClusterStatus: 'Creating' });
    expect(status.spec.teamId).toBe('acid');
    expect(status.metadata.generation).toBe(1);
    const scaled = (await custom.patchNamespacedCustomObject({ ...pg, name: 'acid-gen', body: { spec: { numberOfInstances: 3 }, status: { PostgresClusterStatus: 'Bogus' } } }, merge)) as { status: unknown; metadata: k8s.V1ObjectMeta };
    expect(scaled.metadata.generation).toBe(2);
    expect(scaled.status).toEqual({ PostgresClusterStatus: 'Creating' });
  });

  it('prune unknown fields and reject invalid objects with the field named', async () => {
    const o = (await custom.createNamespacedCustomObject({ ...pg, body: manifest('acid-prune', { bogusField: 1 }) })) as { spec: Record<string, unknown> };
    expect(o.spec.bogusField).toBeUndefined();
    const err = await custom.createNamespacedCustomObject({ ...pg, body: manifest('acid-bad', { numberOfInstances: 'three' }) }).catch((e: k8s.ApiException<string>) => e);
    expect((err as k8s.ApiException<string>).code).toBe(422);
    const body = JSON.parse((err as k8s.ApiException<string>).body);
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.numberOfInstances');
  });

  it('refuse strategic merge patch with 415 and an update without resourceVersion with 422', async () => {
    const smp = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
    expect(await httpCode(custom.patchNamespacedCustomObject({ ...pg, name: 'acid-gen', body: { spec: { numberOfInstances: 1 } } }, smp))).toBe(415);
    expect(await httpCode(custom.replaceNamespacedCustomObject({ ...pg, name: 'acid-gen', body: manifest('acid-gen') }))).toBe(422);
  });
});

describe('writes', () => {
  it('write nothing when nothing changes: same resourceVersion, no watch event', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'noop' }, data: { a: '1' } } });
    const rv = t.api.registry.store.resourceVersion;
    const again = await core.patchNamespacedConfigMap({ namespace: ns, name: 'noop', body: { data: { a: '1' } } }, merge);
    expect(again.metadata?.resourceVersion).toBe(cm.metadata?.resourceVersion);
    expect(t.api.registry.store.resourceVersion).toBe(rv);
  });

  it('answer a stale resourceVersion with 409 Conflict, also inside a patch', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cas' }, data: { a: '1' } } });
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'cas', body: { data: { a: '2' } } }, merge);
    expect(await httpCode(core.replaceNamespacedConfigMap({ namespace: ns, name: 'cas', body: { ...cm, data: { a: '3' } } }))).toBe(409);
    const stalePatch = { metadata: { resourceVersion: cm.metadata!.resourceVersion }, data: { a: '4' } };
    expect(await httpCode(core.patchNamespacedConfigMap({ namespace: ns, name: 'cas', body: stalePatch }, merge))).toBe(409);
  });

  it('generate names, fold stringData into data and allocate cluster IPs', async () => {
    const s = await core.createNamespacedSecret({ namespace: ns, body: { metadata: { generateName: 'pw-' }, stringData: { password: 'hunter2' } } });
    expect(s.metadata?.name).toMatch(/^pw-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(s.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe('Opaque');
    const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 5432 }] } } });
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
  });

  it('creates with server-side apply and drops a field the manager stopped applying', async () => {
    const ssa = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa', namespace: ns }, data: { a: '1', b: '2' } };
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body, fieldManager: 'zpg' }, ssa);
    const after = await core.patchNamespacedConfigMap({ namespace: ns, name: 'ssa', body: { ...body, data: { a: '1' } }, fieldManager: 'zpg' }, ssa);
    expect(after.data).toEqual({ a: '1' });
  });
});

describe('lists', () => {
  it('page with limit/continue over a consistent snapshot', async () => {
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `page-${i}`, labels: { page: 'yes' } } } });
    const first = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'page=yes', limit: 3 });
    expect(first.items.map((c) => c.metadata?.name)).toEqual(['page-0', 'page-1', 'page-2']);
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'page-4' });
    const names = [...first.items.map((c) => c.metadata?.name)];
    let cont = first.metadata?._continue;
    while (cont) {
      const page = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'page=yes', limit: 3, _continue: cont });
      expect(page.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
      names.push(...page.items.map((c) => c.metadata?.name));
      cont = page.metadata?._continue;
    }
    expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
  });

  it('filter by set-based label selectors and by field selectors', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sel-a', labels: { tier: 'db', env: 'prod' } } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'sel-b', labels: { tier: 'db' } } } });
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: ns, labelSelector, fieldSelector })).items.map((c) => c.metadata?.name);
    expect(await names('tier=db,env in (prod,qa)')).toEqual(['sel-a']);
    expect(await names('tier=db,!env')).toEqual(['sel-b']);
    expect(await names('tier=db', 'metadata.name!=sel-a')).toEqual(['sel-b']);
  });
});

describe('deletion', () => {
  const owned = (name: string, owner: k8s.V1ConfigMap, block = false) => ({
    metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid!, blockOwnerDeletion: block }] },
  });

  it('waits for finalizers, then removes the object', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'fin', finalizers: ['zpg.io/keep'] } } });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'fin' });
    const held = await core.readNamespacedConfigMap({ namespace: ns, name: 'fin' });
    expect(held.metadata?.deletionTimestamp).toBeDefined();
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'fin', body: { metadata: { finalizers: null } } }, merge);
    expect(await httpCode(core.readNamespacedConfigMap({ namespace: ns, name: 'fin' }))).toBe(404);
  });

  it('collects dependents in the background, orphans them on request, and waits for them in the foreground', async () => {
    const bg = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner-bg' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: owned('dep-bg', bg) });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner-bg', propagationPolicy: 'Background' });
    await eventually('dep-bg collected', async () => (await httpCode(core.readNamespacedConfigMap({ namespace: ns, name: 'dep-bg' }))) === 404);

    const or = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner-or' } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: owned('dep-or', or) });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner-or', propagationPolicy: 'Orphan' });
    await eventually('owner-or gone', async () => (await httpCode(core.readNamespacedConfigMap({ namespace: ns, name: 'owner-or' }))) === 404);
    const orphan = await core.readNamespacedConfigMap({ namespace: ns, name: 'dep-or' });
    expect(orphan.metadata?.ownerReferences).toBeUndefined();

    const fg = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner-fg' } } });
    const dep = owned('dep-fg', fg, true);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { ...dep.metadata, finalizers: ['zpg.io/slow'] } } });
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'owner-fg', propagationPolicy: 'Foreground' });
    await new Promise((r) => setTimeout(r, 100));
    const waiting = await core.readNamespacedConfigMap({ namespace: ns, name: 'owner-fg' });
    expect(waiting.metadata?.finalizers).toContain('foregroundDeletion');
    await core.patchNamespacedConfigMap({ namespace: ns, name: 'dep-fg', body: { metadata: { finalizers: null } } }, merge);
    await eventually('owner-fg gone after its dependent', async () => (await httpCode(core.readNamespacedConfigMap({ namespace: ns, name: 'owner-fg' }))) === 404);
  });

  it('empties a namespace before removing it', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await apps.createNamespacedStatefulSet({
      namespace: 'doomed',
      body: {
        metadata: { name: 'db' },
        spec: { serviceName: 'db', replicas: 0, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'spilo' }] } } },
      },
    });
    await core.deleteNamespace({ name: 'doomed' });
    const terminating = await core.readNamespace({ name: 'doomed' }).catch(() => undefined);
    if (terminating) expect(terminating.status?.phase).toBe('Terminating');
    expect(await httpCode(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }))).toBeOneOf([403, 404]);
    await eventually('namespace gone', async () => (await httpCode(core.readNamespace({ name: 'doomed' }))) === 404);
    expect(await httpCode(apps.readNamespacedStatefulSet({ namespace: 'doomed', name: 'db' }))).toBe(404);
  });

  it('deleting a CRD removes its objects and its discovery entry', async () => {
    await ext.deleteCustomResourceDefinition({ name: 'postgresqls.acid.zalan.do' });
    const r = await fetch(`${t.api.url}/apis/acid.zalan.do/v1`);
    expect(r.status).toBe(404);
    const crd = loadFixture('postgresql.crd.yaml')[0];
    await ext.createCustomResourceDefinition({ body: crd as unknown as k8s.V1CustomResourceDefinition });
    const list = (await custom.listNamespacedCustomObject(pg)) as { items: unknown[] };
    expect(list.items).toEqual([]);
  });
});
