// /metrics across leadership terms: a daemon that loses the Lease and wins it
// back keeps its counters, counts the configuration source's writes too, and
// exports the standard process and Node.js metrics.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApi } from '../helpers/sandbox.ts';
import { manifest, startOperatorApi, startTestDaemon } from '../helpers/operator.ts';

let t: TestApi;
let d: Awaited<ReturnType<typeof startTestDaemon>> | undefined;
let core: k8s.CoreV1Api;
let leases: k8s.CoordinationV1Api;

const scrape = async () => (await fetch(`${d!.url}/metrics`)).text();
const value = (text: string, line: RegExp) => Number(line.exec(text)?.[1] ?? NaN);
const reconciles = (m: string) => value(m, /^zpg_reconcile_total (\d+)$/m);
const stsCreates = (m: string) => value(m, /^zpg_api_writes_total\{verb="create",kind="StatefulSet"\} (\d+)$/m);
const eventCreates = (m: string) => value(m, /^zpg_api_writes_total\{verb="create",kind="Event"\} (\d+)$/m);

/** someone else takes the Lease (as a second replica would); it never renews, so it expires */
async function hijackLease(): Promise<void> {
  const lease = await leases.readNamespacedLease({ namespace: 'zpg-system', name: 'zpg-operator' });
  // held for 8 s: long enough that the daemon's standing by (after its 2 s renew deadline) is seen before it retakes the lease
  lease.spec = { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 8, renewTime: new Date(), leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 };
  await leases.replaceNamespacedLease({ namespace: 'zpg-system', name: 'zpg-operator', body: lease });
}

beforeAll(async () => {
  t = await startOperatorApi();
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  leases = t.kc.makeApiClient(k8s.CoordinationV1Api);
  await core.createNamespace({ body: { metadata: { name: 'zpg-system' } } });
  // Another replica holds the lease for now, so what this daemon writes before it leads is the configuration's.
  await leases.createNamespacedLease({
    namespace: 'zpg-system',
    body: { metadata: { name: 'zpg-operator' }, spec: { holderIdentity: 'other', leaseDurationSeconds: 3600, renewTime: new Date(), leaseTransitions: 0 } },
  });
  await core.createNamespacedConfigMap({ namespace: 'zpg-system', body: { metadata: { name: 'postgres-operator' }, data: { workers: '0' } } });
}, 30_000);

afterAll(async () => {
  await d?.stop();
  await t?.close();
});

describe('metrics across leadership', () => {
  it('counts the configuration source writes while standing by, and exports process metrics', async () => {
    d = await startTestDaemon(t, { configMapName: 'postgres-operator', resyncMs: 300 });
    const m = (await eventually('the InvalidConfiguration event counted', async () => {
      const text = await scrape();
      return eventCreates(text) >= 1 ? text : undefined;
    }, 20_000, 100))!;
    expect(m).toMatch(/^zpg_leader 0$/m);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_gc_duration_seconds']) {
      expect(m, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
  });

  it('keeps reconcile and write counters when it loses the lease and wins it back', async () => {
    await core.patchNamespacedConfigMap(
      { namespace: 'zpg-system', name: 'postgres-operator', body: { data: { workers: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await leases.deleteNamespacedLease({ namespace: 'zpg-system', name: 'zpg-operator' });
    await eventually('the daemon to lead', () => d!.leading, 20_000);
    await k8s.KubernetesObjectApi.makeApiClient(t.kc).create(manifest('minimal-postgres-manifest.yaml', 0, { name: 'acid-metrics' }));
    const first = (await eventually('a reconcile and a StatefulSet create counted', async () => {
      const text = await scrape();
      return reconciles(text) > 0 && stsCreates(text) >= 1 ? text : undefined;
    }, 30_000, 100))!;
    const before = { reconciles: reconciles(first), sts: stsCreates(first), events: eventCreates(first) };

    // the daemon renews every half second: a write between our read and replace is a 409, so read again
    await eventually('the lease taken over', () => hijackLease().then(() => true), 10_000, 50);
    await eventually('the daemon to stand by', async () => /^zpg_leader 0$/m.test(await scrape()), 20_000, 100);
    const standing = await scrape();
    expect(reconciles(standing)).toBeGreaterThanOrEqual(before.reconciles);
    expect(stsCreates(standing)).toBe(before.sts);

    await eventually('the daemon to lead again', async () => /^zpg_leader 1$/m.test(await scrape()), 30_000, 100);
    const again = (await eventually('a reconcile in the new term', async () => {
      const text = await scrape();
      return reconciles(text) > reconciles(standing) ? text : undefined;
    }, 30_000, 100))!;
    expect(reconciles(again)).toBeGreaterThan(before.reconciles);
    expect(stsCreates(again)).toBeGreaterThanOrEqual(before.sts);
    expect(eventCreates(again)).toBeGreaterThanOrEqual(before.events);
  });
});
