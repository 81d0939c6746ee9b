// The sandbox API at its limits: a StatefulSet of 20,000 replicas is worked
// through in batches, so the API keeps answering other clients while its
// controller creates pods; a number no integer field can hold and an object
// nested 2,000 deep are refused with a 422 naming the problem, not a crash.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageKey } from '../../src/sandbox/api/resources.ts';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
const ns = 'huge';

beforeAll(async () => {
  t = await startTestApi();
  installCrds(t.api.registry);
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => t?.close());

const podCount = () => t.api.registry.store.list(storageKey(t.api.registry.catalog.get('v1', 'pods')!), ns).length;

describe('sandbox controllers under a huge replica count', () => {
  it('keep the API answering while a 20,000-replica StatefulSet is created', async () => {
    await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'big' },
        spec: {
          serviceName: 'big',
          replicas: 20_000,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: 'big' } },
          template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
        },
      },
    });
    await eventually('the controller to start creating pods', () => podCount() > 0);
    // While the controller works, other requests answer promptly.
    const slowest: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `probe-${i}` }, data: { i: String(i) } } });
      expect(cm.metadata?.name).toBe(`probe-${i}`);
      slowest.push(performance.now() - started);
    }
    const during = podCount();
    expect(during).toBeGreaterThan(0);
    expect(during).toBeLessThan(20_000); // still working: the probes ran during the creation, not after it
    expect(Math.max(...slowest)).toBeLessThan(2_000);
    await eventually('more pods as the controller goes on', () => podCount() > during, 30_000);
  }, 60_000);
});

/** POSTs raw JSON text (client-node cannot stringify 2,000 levels either) and returns status and Status message */
async function postRaw(path: string, text: string): Promise<[number, string]> {
  const r = await fetch(`${t.api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  const body = (await r.json()) as { message?: string };
  return [r.status, body.message ?? ''];
}

const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const pgText = (name: string, instances: string) =>
  `{"apiVersion":"acid.zalan.do/v1","kind":"postgresql","metadata":{"name":"${name}"},"spec":{"teamId":"acid","numberOfInstances":${instances},"postgresql":{"version":"15"},"volume":{"size":"1Gi"}}}`;

describe('sandbox API refusals', () => {
  it('refuses a number no integer field holds (1e20 instances) with a 422 naming the field', async () => {
    const [code, message] = await postRaw(`/apis/acid.zalan.do/v1/namespaces/${ns}/postgresqls`, pgText('acid-huge', '1e20'));
    expect(code).toBe(422);
    expect(message).toBe(
      'postgresql.acid.zalan.do "acid-huge" is invalid: spec.numberOfInstances: Invalid value: "number": spec.numberOfInstances in body must be of type integer: "number"',
    );
    expect((await postRaw(`/apis/acid.zalan.do/v1/namespaces/${ns}/postgresqls`, pgText('acid-two', '2')))[0]).toBe(201);
  });

  it('answers an object nested 2,000 deep with a 422 depth limit, and keeps serving', async () => {
    const deep = `{"metadata":{"name":"deep"},"data":{"a":"b"},"x":${nested(2000)}}`;
    const [code, message] = await postRaw(`/api/v1/namespaces/${ns}/configmaps`, deep);
    expect(code).toBe(422);
    expect(message).toMatch(/exceeded max depth of 1000/);
    const spec = `{"apiVersion":"acid.zalan.do/v1","kind":"postgresql","metadata":{"name":"acid-deep"},"spec":{"teamId":"acid","nodeAffinity":${nested(2000)}}}`;
    expect((await postRaw(`/apis/acid.zalan.do/v1/namespaces/${ns}/postgresqls`, spec))[0]).toBe(422);
    // 900 levels are within the limit and go through decoding, pruning and storage.
    expect((await postRaw(`/api/v1/namespaces/${ns}/configmaps`, `{"metadata":{"name":"deep-ok"},"x":${nested(900)}}`))[0]).toBe(201);
    expect((await core.readNamespace({ name: ns })).metadata?.name).toBe(ns);
  });
});
