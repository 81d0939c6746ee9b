// client-node's informers (list+watch caches) against the sandbox API: the
// operator and the console are built on them, so they must behave as they do
// against a real API server, including the reconnect and relist paths.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let core: k8s.CoreV1Api;
const ns = 'informers';

beforeAll(async () => {
  t = await startTestApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
});
afterAll(async () => t?.close());

interface Recorder {
  informer: k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>;
  log: string[];
  connects: number;
  lists: number;
  errors: unknown[];
}

function record(labelSelector?: string): Recorder {
  const informer = k8s.makeInformer(
    t.kc,
    `/api/v1/namespaces/${ns}/configmaps`,
    () => {
      r.lists++;
      return core.listNamespacedConfigMap({ namespace: ns, labelSelector });
    },
    labelSelector,
  );
  const r: Recorder = { informer, log: [], connects: 0, lists: 0, errors: [] };
  informer.on('add', (o) => r.log.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => r.log.push(`update ${o.metadata?.name} ${JSON.stringify(o.data ?? {})}`));
  informer.on('delete', (o) => r.log.push(`delete ${o.metadata?.name}`));
  informer.on('connect', () => r.connects++);
  informer.on('error', (e) => r.errors.push(e));
  return r;
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  metadata: { name, labels },
  data,
});

describe('client-node informers', () => {
  it('lists, then sees adds, updates and deletes through the watch', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('before') });
    const r = record();
    await r.informer.start();
    await eventually('initial list', () => r.informer.get('before', ns));
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', {}, { k: '1' }) });
    await core.patchNamespacedConfigMap(
      { namespace: ns, name: 'a', body: { data: { k: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'a' });
    await eventually('delete of a', () => r.log.includes('delete a'));
    expect(r.log).toEqual(['add before', 'add a', 'update a {"k":"2"}', 'delete a']);
    expect(r.informer.get('a', ns)).toBeUndefined();
    expect(r.errors).toEqual([]);
    await r.informer.stop();
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'before' });
  });

  it('follows objects into and out of a label selector', async () => {
    const r = record('app=demo');
    await r.informer.start();
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('sel', { app: 'other' }) });
    const relabel = (app: string) =>
      core.patchNamespacedConfigMap(
        { namespace: ns, name: 'sel', body: { metadata: { labels: { app } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    await relabel('demo');
    await eventually('sel enters the selection', () => r.informer.get('sel', ns));
    await relabel('gone');
    await eventually('sel leaves the selection', () => !r.informer.get('sel', ns));
    expect(r.log).toEqual(['add sel', 'delete sel']);
    await r.informer.stop();
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'sel' });
  });

  it('re-watches from its resourceVersion when the server drops the stream', async () => {
    const r = record();
    await r.informer.start();
    await eventually('watch open', () => t.api.http.openWatches > 0);
    const listsBefore = r.connects;
    expect(t.api.http.dropWatches()).toBeGreaterThan(0);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('after-drop') });
    await eventually('event after reconnect', () => r.informer.get('after-drop', ns), 15_000);
    expect(r.connects).toBeGreaterThan(listsBefore);
    expect(r.errors).toEqual([]);
    await r.informer.stop();
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'after-drop' });
  });

  it('relists after 410 Expired and converges on what changed meanwhile', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('doomed') });
    const r = record();
    await r.informer.start();
    await eventually('doomed listed', () => r.informer.get('doomed', ns));
    expect(r.lists).toBe(1);
    // A second drop with no event in between makes client-node wait ~1 s before
    // it resumes: in that gap the world changes and history is compacted away.
    await eventually('watch open', () => t.api.http.openWatches > 0);
    t.api.http.dropWatches();
    await eventually('watch reopened', () => t.api.http.openWatches > 0);
    t.api.http.dropWatches();
    await core.deleteNamespacedConfigMap({ namespace: ns, name: 'doomed' });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('born') });
    t.api.registry.store.compact();
    await eventually('relist sees born and not doomed', () => r.informer.get('born', ns) && !r.informer.get('doomed', ns), 15_000);
    expect(r.lists).toBe(2);
    expect(r.log).toEqual(['add doomed', 'delete doomed', 'add born']);
    expect(r.errors).toEqual([]);
    await r.informer.stop();
  });
});

describe('ResilientInformer (zpg wrapper)', () => {
  it('restarts after the API answers an error, instead of going quiet for good', async () => {
    const { ResilientInformer } = await import('../../src/services/kube/informer.ts');
    const errors: string[] = [];
    let failNext = 0;
    const inf = new ResilientInformer<k8s.V1ConfigMap>(t.kc, {
      path: `/api/v1/namespaces/${ns}/configmaps`,
      list: async () => {
        if (failNext-- > 0) throw new Error('injected list failure');
        return core.listNamespacedConfigMap({ namespace: ns });
      },
      restartDelayMs: 100,
      onError: (e) => errors.push(String(e)),
    });
    failNext = 1;
    void inf.start();
    await inf.synced;
    expect(errors.join()).toContain('injected list failure');
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('resilient') });
    await eventually('resilient seen after the restart', () => inf.get('resilient', ns));
    await inf.stop();
    expect(errors).toHaveLength(1); // stop() is not an error
  });
});
