// The health cache behind the per-cluster series: one Patroni request per
// cluster per interval however often /metrics is scraped, a reconcile's touch
// reads again soon, answers the reconcile got anyway are kept, a cluster whose
// members do not answer shows nothing up, a deleted cluster is forgotten; and
// the PromQL name extraction the deploy/ rule test relies on.
import { describe, expect, it } from 'vitest';
import { ClusterHealth, type WatchedCluster } from '../../src/operator/controller/metrics-clusters.ts';
import type { PatroniRequest, PatroniResponse } from '../../src/services/patroni/client.ts';
import { promqlMetricNames } from '../helpers/promql-names.ts';

const body = (paused = false) =>
  JSON.stringify({
    members: [
      { name: 'a-0', role: 'leader', state: 'running', timeline: 3 },
      { name: 'a-1', role: 'replica', state: 'streaming', timeline: 3, lag: 2048 },
      { name: 'a-2', role: 'replica', state: 'stopped', timeline: 2, lag: 'unknown' },
    ],
    ...(paused ? { pause: true } : {}),
  });

function setup(answer: (pod: string) => PatroniResponse | Error) {
  let now = 1_000_000;
  const asked: string[] = [];
  const clusters: WatchedCluster[] = [{ namespace: 'ns', name: 'a', expected: 3, rolling: false, pods: [{ name: 'a-1', leader: false }, { name: 'a-0', leader: true }] }];
  const transport = (m: { pod: string }) => async (req: PatroniRequest): Promise<PatroniResponse> => {
    asked.push(`${m.pod} ${req.path}`);
    const a = answer(m.pod);
    if (a instanceof Error) throw a;
    return a;
  };
  const h = new ClusterHealth({ clusters: () => clusters, patroni: transport, intervalMs: 30_000, minIntervalMs: 2_000, now: () => now });
  return { h, asked, clusters, advance: (ms: number) => (now += ms) };
}

const ok = (text: string): PatroniResponse => ({ status: 200, text });

describe('cluster health cache', () => {
  it('asks the labelled leader once per interval, however often it is read', async () => {
    const w = setup(() => ok(body()));
    await w.h.tick();
    for (let i = 0; i < 50; i++) w.h.rows();
    await w.h.tick();
    w.advance(10_000);
    await w.h.tick();
    expect(w.asked).toEqual(['a-0 /cluster']);
    w.advance(20_000);
    await w.h.tick();
    expect(w.asked).toHaveLength(2);
    const [r] = w.h.rows();
    expect(r).toMatchObject({ membersUp: 2, leaderPresent: true, timeline: 3, paused: false, reachable: true, expected: 3 });
    expect(r!.members.map((m) => [m.member, m.up, m.lagBytes])).toEqual([['a-0', true, undefined], ['a-1', true, 2048], ['a-2', false, undefined]]);
  });

  it('a touched cluster is read again after the short interval, not before', async () => {
    const w = setup(() => ok(body()));
    await w.h.tick();
    w.h.touch('ns/a');
    await w.h.tick();
    expect(w.asked).toHaveLength(1);
    w.advance(2_000);
    await w.h.tick();
    expect(w.asked).toHaveLength(2);
  });

  it("keeps /cluster answers that pass through the reconcile's transports", async () => {
    const w = setup(() => ok(body(true)));
    const t = w.h.observingTransports(() => async () => ok(body(true)));
    await t({ namespace: 'ns', pod: 'a-1' })({ method: 'GET', path: '/cluster', timeoutMs: 1000 });
    expect(w.h.rows()[0]).toMatchObject({ observed: true, paused: true });
    await w.h.tick(); // fresh: nothing asked
    expect(w.asked).toEqual([]);
  });

  it('members that do not answer: unreachable, nothing up, no leader', async () => {
    const w = setup(() => new Error('connect ECONNREFUSED'));
    await w.h.tick();
    expect(w.asked).toEqual(['a-0 /cluster', 'a-1 /cluster']);
    expect(w.h.rows()[0]).toMatchObject({ observed: true, reachable: false, membersUp: 0, leaderPresent: false });
  });

  it('a deleted cluster has no row', async () => {
    const w = setup(() => ok(body()));
    await w.h.tick();
    w.clusters.length = 0;
    await w.h.tick();
    expect(w.h.rows()).toEqual([]);
  });
});

describe('promqlMetricNames', () => {
  it('finds metric names, not functions, keywords, labels or durations', () => {
    expect(promqlMetricNames('zpg_cluster_members_up < zpg_cluster_members_expected')).toEqual(['zpg_cluster_members_expected', 'zpg_cluster_members_up']);
    expect(promqlMetricNames('max by (namespace, cluster) (rate(foo_total{job="x", le=~"a|b"}[5m] offset 1h)) > 1e3 and on (cluster) bar == bool 0')).toEqual(['bar', 'foo_total']);
    expect(promqlMetricNames('zpg_backup_base_last_age_seconds > 26 * 3600')).toEqual(['zpg_backup_base_last_age_seconds']);
  });
});
