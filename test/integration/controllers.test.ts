// The sandbox's workload controllers seen through client-node, as the
// operator will see them: ordinal pods and their claims, scaling, update
// strategies, garbage collection that spares data, and Endpoints.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markPodReady } from '../../src/sandbox/controllers/index.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
const ns = 'ctl';
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

beforeAll(async () => {
  t = await startTestApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => t?.close());

function sts(name: string, replicas: number, extra: Partial<k8s.V1StatefulSetSpec> = {}): k8s.V1StatefulSet {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      serviceName: name,
      replicas,
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'OnDelete' },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'postgres', image: 'spilo:1' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'pgdata' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...extra,
    },
  };
}

const podNames = async (app: string) => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items.map((p) => p.metadata?.name).sort();
const pvcNames = async (prefix: string) => (await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items.map((p) => p.metadata!.name!).filter((n) => n.includes(prefix)).sort();
const readyAll = async (app: string) => {
  for (const p of (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items) {
    if (!p.status?.conditions?.some((c) => c.type === 'Ready')) markPodReady(t.api.registry, ns, p.metadata!.name!, `127.0.9.${p.metadata!.name!.split('-').pop()}`);
  }
};

describe('StatefulSet controller', () => {
  it('creates ordinal pods one at a time as each becomes ready, with bound pgdata claims', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: sts('db', 3) });
    await eventually('db-0', async () => (await podNames('db')).length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(await podNames('db')).toEqual(['db-0']); // OrderedReady waits for db-0
    for (let i = 0; i < 3; i++) {
      await eventually(`db-${i}`, async () => (await podNames('db')).includes(`db-${i}`));
      await readyAll('db');
    }
    expect(await pvcNames('-db-')).toEqual(['pgdata-db-0', 'pgdata-db-1', 'pgdata-db-2']);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'pgdata-db-1' });
    expect(pvc.status?.phase).toBe('Bound');
    const pod = await core.readNamespacedPod({ namespace: ns, name: 'db-1' });
    expect(pod.spec?.volumes?.find((v) => v.name === 'pgdata')?.persistentVolumeClaim?.claimName).toBe('pgdata-db-1');
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'db', controller: true });
    await eventually('status counts ready replicas', async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: 'db' })).status?.readyReplicas === 3);
  });

  it('scales down from the top and keeps the claim', async () => {
    await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'db', body: { spec: { replicas: 2 } } }, merge);
    await eventually('db-2 gone', async () => !(await podNames('db')).includes('db-2'));
    expect(await podNames('db')).toEqual(['db-0', 'db-1']);
    expect(await pvcNames('-db-')).toContain('pgdata-db-2');
  });

  it('OnDelete leaves pods alone until one is deleted, which returns with the new template', async () => {
    await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'db', body: { spec: { template: { spec: { containers: [{ name: 'postgres', image: 'spilo:2' }] } } } } }, merge);
    await new Promise((r) => setTimeout(r, 100));
    const image = async (n: string) => (await core.readNamespacedPod({ namespace: ns, name: n })).spec?.containers[0].image;
    expect(await image('db-1')).toBe('spilo:1');
    await core.deleteNamespacedPod({ namespace: ns, name: 'db-1' });
    await eventually('db-1 recreated with spilo:2', async () => (await image('db-1').catch(() => undefined)) === 'spilo:2');
    expect(await image('db-0')).toBe('spilo:1');
  });

  it('RollingUpdate replaces pods from the highest ordinal down', async () => {
    await apps.createNamespacedStatefulSet({ namespace: ns, body: sts('roll', 2, { updateStrategy: { type: 'RollingUpdate' }, podManagementPolicy: 'Parallel' }) });
    await eventually('roll pods', async () => (await podNames('roll')).length === 2);
    await readyAll('roll');
    const uid = async (n: string) => (await core.readNamespacedPod({ namespace: ns, name: n })).metadata?.uid;
    const before = [await uid('roll-0'), await uid('roll-1')];
    await apps.patchNamespacedStatefulSet({ namespace: ns, name: 'roll', body: { spec: { template: { metadata: { annotations: { v: '2' } } } } } }, merge);
    await eventually('roll-1 replaced first', async () => (await uid('roll-1').catch(() => undefined)) !== before[1] && (await uid('roll-1').catch(() => undefined)) !== undefined);
    expect(await uid('roll-0')).toBe(before[0]);
    await readyAll('roll');
    await eventually('roll-0 replaced next', async () => (await uid('roll-0').catch(() => undefined)) !== before[0]);
  });

  it('deleting the StatefulSet removes its pods but never its claims, unless whenDeleted: Delete', async () => {
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'db' });
    await eventually('db pods collected', async () => (await podNames('db')).length === 0);
    expect(await pvcNames('-db-')).toEqual(['pgdata-db-0', 'pgdata-db-1', 'pgdata-db-2']);
    await apps.createNamespacedStatefulSet({ namespace: ns, body: sts('tmp', 1, { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } }) });
    await eventually('tmp claim', async () => (await pvcNames('-tmp-')).length === 1);
    await apps.deleteNamespacedStatefulSet({ namespace: ns, name: 'tmp' });
    await eventually('tmp claim collected', async () => (await pvcNames('-tmp-')).length === 0);
  });
});

describe('Endpoints controller', () => {
  it('lists ready pods as addresses and others as not ready; selector-less services are left alone', async () => {
    await eventually('roll pods back', async () => (await podNames('roll')).length === 2);
    await readyAll('roll');
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'roll-repl' }, spec: { selector: { app: 'roll' }, ports: [{ name: 'postgresql', port: 5432, targetPort: 5432 }] } } });
    await eventually('endpoints of ready pods', async () => {
      const ep = await core.readNamespacedEndpoints({ namespace: ns, name: 'roll-repl' });
      return ep.subsets?.[0]?.addresses?.map((a) => a.ip).sort().join() === '127.0.9.0,127.0.9.1';
    });
    await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'manual' }, spec: { ports: [{ port: 5432 }] } } });
    await core.createNamespacedEndpoints({ namespace: ns, body: { metadata: { name: 'manual' }, subsets: [{ addresses: [{ ip: '127.0.0.99' }], ports: [{ port: 5432 }] }] } });
    await new Promise((r) => setTimeout(r, 100));
    const manual = await core.readNamespacedEndpoints({ namespace: ns, name: 'manual' });
    expect(manual.subsets?.[0]?.addresses?.[0]?.ip).toBe('127.0.0.99');
  });

  it('a quiet cluster makes no writes', async () => {
    // The controllers first finish what the tests above started (slowly on a loaded machine): wait for a quiet
    // 300 ms, as state, then no write may come in the next 500 ms. Writes that never stop fail the wait.
    const quiet = async () => {
      const rv = t.api.registry.store.resourceVersion;
      await new Promise((r) => setTimeout(r, 300));
      return t.api.registry.store.resourceVersion === rv;
    };
    await eventually('the controllers to settle', quiet, 10_000, 0);
    const rv = t.api.registry.store.resourceVersion;
    await new Promise((r) => setTimeout(r, 500));
    expect(t.api.registry.store.resourceVersion).toBe(rv);
  });
});

describe('Deployment, Job and CronJob controllers', () => {
  const batch = () => t.kc.makeApiClient(k8s.BatchV1Api);
  const template = (app: string) => ({ metadata: { labels: { app } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } });

  it('a Deployment keeps its replica count of pods and replaces them on a template change', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'pooler' }, spec: { replicas: 2, selector: { matchLabels: { app: 'pooler' } }, template: template('pooler') } } });
    await eventually('2 pooler pods', async () => (await podNames('pooler')).length === 2);
    const first = await podNames('pooler');
    await apps.patchNamespacedDeployment({ namespace: ns, name: 'pooler', body: { spec: { template: { metadata: { annotations: { v: '2' } } } } } }, merge);
    await eventually('pods replaced', async () => {
      const now = await podNames('pooler');
      return now.length === 2 && now.every((n) => !first.includes(n));
    });
  });

  it('a Job runs one pod and completes when the pod succeeds', async () => {
    await batch().createNamespacedJob({ namespace: ns, body: { metadata: { name: 'once' }, spec: { template: template('once') } } });
    await eventually('job pod', async () => (await podNames('once')).length === 1);
    const [pod] = await podNames('once');
    await core.patchNamespacedPodStatus({ namespace: ns, name: pod!, body: { status: { phase: 'Succeeded' } } }, merge);
    await eventually('job complete', async () => (await batch().readNamespacedJob({ namespace: ns, name: 'once' })).status?.conditions?.[0]?.type === 'Complete');
  });
});

describe('CronJob controller', () => {
  it('creates a Job when the schedule comes round, and Forbid waits for the running one', async () => {
    let now = new Date('2026-11-24T00:29:10Z');
    const local = await startTestApi({ clock: () => now });
    try {
      const b = local.kc.makeApiClient(k8s.BatchV1Api);
      await b.createNamespacedCronJob({
        namespace: 'default',
        body: { metadata: { name: 'logical-backup-acid' }, spec: { schedule: '30 00 * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'dump', image: 'x' }] } } } } } },
      });
      const jobs = async () => (await b.listNamespacedJob({ namespace: 'default' })).items.map((j) => j.metadata!.name!).filter((n) => n.startsWith('logical-backup-acid'));
      local.api.controllers!.tick();
      await new Promise((r) => setTimeout(r, 50));
      expect(await jobs()).toEqual([]);
      now = new Date('2026-11-24T00:30:05Z');
      local.api.controllers!.tick();
      await eventually('the 00:30 job', async () => (await jobs()).length === 1);
      expect(await jobs()).toEqual([`logical-backup-acid-${Math.floor(Date.parse('2026-11-24T00:30:00Z') / 60_000)}`]);
      now = new Date('2026-11-25T00:30:05Z');
      local.api.controllers!.tick();
      await new Promise((r) => setTimeout(r, 100));
      expect(await jobs()).toHaveLength(1); // Forbid: yesterday's job has not finished
      const cj = await b.readNamespacedCronJob({ namespace: 'default', name: 'logical-backup-acid' });
      expect(cj.status?.active).toHaveLength(1);
    } finally {
      await local.close();
    }
  });
});
