// Graceful pod deletion as the real server does it: a pod bound to a node
// stays, Terminating, until a delete with grace 0 (its kubelet's) removes it;
// an unbound pod goes at once. And store events reach every subscriber in
// resourceVersion order even when a subscriber writes in reaction.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  t = await startTestApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
});
afterAll(() => t?.close());

const pod = (name: string, nodeName?: string): k8s.V1Pod => ({ metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] } });
const read = (name: string) => core.readNamespacedPod({ namespace: 'default', name }).catch(() => undefined);

describe('graceful pod deletion', () => {
  it('removes a pod no node runs at once', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('unbound') });
    await core.deleteNamespacedPod({ namespace: 'default', name: 'unbound' });
    expect(await read('unbound')).toBeUndefined();
  });

  it('keeps a bound pod Terminating until a delete with grace 0, and only shortens the grace period', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('bound', 'node-a') });
    const before = Date.now();
    const answer = await core.deleteNamespacedPod({ namespace: 'default', name: 'bound' });
    expect(answer.metadata?.deletionGracePeriodSeconds).toBe(30);
    const at = answer.metadata!.deletionTimestamp!.getTime();
    expect(at).toBeGreaterThanOrEqual(before + 28_000);
    // Writes to a Terminating pod (the kubelet's status, Patroni's labels) do not complete the deletion.
    await core.patchNamespacedPod({ namespace: 'default', name: 'bound', body: { metadata: { labels: { x: 'y' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect((await read('bound'))?.metadata?.deletionTimestamp).toBeDefined();
    // A longer grace period changes nothing; a shorter one moves the deadline forward.
    await core.deleteNamespacedPod({ namespace: 'default', name: 'bound', gracePeriodSeconds: 60 });
    expect((await read('bound'))?.metadata?.deletionGracePeriodSeconds).toBe(30);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'bound', gracePeriodSeconds: 5 });
    const shorter = await read('bound');
    expect(shorter?.metadata?.deletionGracePeriodSeconds).toBe(5);
    expect(shorter!.metadata!.deletionTimestamp!.getTime()).toBeLessThan(at);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'bound', gracePeriodSeconds: 0 });
    expect(await read('bound')).toBeUndefined();
  });

  it('lets a StatefulSet replace a pod only once the Terminating one is gone', async () => {
    const apps = t.kc.makeApiClient(k8s.AppsV1Api);
    await apps.createNamespacedStatefulSet({
      namespace: 'default',
      body: {
        metadata: { name: 'web' },
        spec: { replicas: 1, serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    });
    const first = (await eventually('web-0', () => read('web-0'), 5_000))!;
    // Bound as a kubelet would bind it.
    await core.patchNamespacedPod({ namespace: 'default', name: 'web-0', body: { spec: { nodeName: 'node-a' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ namespace: 'default', name: 'web-0' });
    await new Promise((r) => setTimeout(r, 200));
    expect((await read('web-0'))?.metadata?.uid).toBe(first.metadata?.uid);
    await core.deleteNamespacedPod({ namespace: 'default', name: 'web-0', gracePeriodSeconds: 0 });
    await eventually('a new web-0', async () => {
      const p = await read('web-0');
      return p && p.metadata?.uid !== first.metadata?.uid;
    }, 5_000);
  });
});

describe('store events', () => {
  it('reach every subscriber in resourceVersion order when a subscriber writes in reaction', () => {
    const registry = t.api.registry;
    const cms = registry.catalog.get('v1', 'configmaps')!;
    const seen: number[] = [];
    // First subscriber: answers the create with an update, inside the same dispatch.
    const offWriter = registry.store.subscribe('/configmaps', (ev) => {
      if (ev.type === 'ADDED' && ev.object.metadata.name === 'echo') registry.update(cms, 'default', 'echo', { ...ev.object, data: { answered: 'yes' } });
    });
    const offReader = registry.store.subscribe('/configmaps', (ev) => {
      if (ev.object.metadata.name === 'echo') seen.push(ev.rv);
    });
    try {
      registry.create(cms, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'echo' } });
    } finally {
      offWriter();
      offReader();
    }
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBeLessThan(seen[1]!);
  });
});
