// BENCH=rollout: a 3-member cluster (real Patroni 3 + PostgreSQL 15 in the
// sandbox) rolled by the daemon (dist/zpg.mjs --daemon, its own process) after
// an env change in the manifest, while a client inserts a row every 50 ms into
// whichever member leads. Reported: the longest gap between two acknowledged
// writes, acknowledged writes missing afterwards, and the rollout's total
// time. Baselines from the same run on the same cluster: a bare Patroni
// switchover through its REST API under the same writer (the floor for the
// write gap: a rollout needs one), and one replica pod deleted and recreated
// until it streams with no lag (3 × that is the floor for the rollout's time).
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { clusterManifest } from '../src/sandbox/demo/samples.ts';
import { startLeaderWriter } from '../test/helpers/leader-writer.ts';
import { startBenchWorld } from './sandbox-world.ts';

const NAME = 'acid-bench-roll';
const NS = 'default';
const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name: NAME };
const MARK = 'zalando-postgres-operator-rolling-update-required';
const WRITE_EVERY_MS = 50;
/** a replica following its leader: Patroni 3 says running, 4 streaming */
const FOLLOWING = new Set(['running', 'streaming']);

interface PatroniMember {
  name: string;
  role: string;
  state: string;
  lag?: number | string;
  timeline?: number;
}

export async function benchRollout(): Promise<Record<string, unknown>[]> {
  const w = await startBenchWorld('rollout');
  const { core, custom, until } = w;
  try {
    w.startDaemon({ log: true });

    const pods = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: `cluster-name=${NAME}` })).items;
    const leaderPod = async () => (await pods()).find((p) => p.metadata?.labels?.['spilo-role'] === 'master' && !p.metadata.deletionTimestamp && p.status?.podIP);
    const patroni = async (path: string, init?: RequestInit) => {
      const l = await leaderPod();
      if (!l) throw new Error('no leader');
      return fetch(`http://${l.status!.podIP!}:8008${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    };
    const members = async () => ((await (await patroni('/cluster')).json()) as { members: PatroniMember[] }).members;
    const status = async () => ((await custom.getNamespacedCustomObject(PG)) as { status?: { PostgresClusterStatus?: string } }).status;
    /** three members: one leader, two replicas following it with no lag */
    const streaming = async () => {
      const ms = await members();
      return ms.length === 3 && ms.filter((m) => m.role === 'leader').length === 1 && ms.filter((m) => m.role !== 'leader').every((m) => FOLLOWING.has(m.state) && Number(m.lag) === 0);
    };
    /** streaming, status Running and no pod marked for a rollout */
    const settled = async () => (await streaming()) && (await status())?.PostgresClusterStatus === 'Running' && (await pods()).every((p) => p.metadata?.annotations?.[MARK] !== 'true');
    const password = () => w.password(NAME, NS);
    const leaderQuery = async (sql: string) => {
      const c = new pg.Client({ host: (await leaderPod())!.status!.podIP!, port: 5432, user: 'postgres', password: await password(), connectionTimeoutMillis: 5_000 });
      await c.connect();
      try {
        return (await c.query(sql)).rows as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    };
    const timeline = async () => (await members()).find((m) => m.role === 'leader')?.timeline ?? 0;

    /** inserts a row every 50 ms into the current leader; remembers what was acknowledged and the longest gap */
    const writer = async (table: string) => {
      await until(`table ${table}`, async () => (await leaderQuery(`create table if not exists ${table}(id bigint primary key)`), true), 60_000, 1000);
      const wr = startLeaderWriter({ leaderIp: async () => (await leaderPod())?.status?.podIP, password: await password(), table, everyMs: WRITE_EVERY_MS });
      return {
        async stop() {
          await wr.stop();
          const have = new Set((await leaderQuery(`select id from ${table}`)).map((r) => Number(r.id)));
          return { acked: wr.acked.length, lost: wr.acked.filter((id) => !have.has(id)).length, longestGapMs: wr.longestGapMs };
        },
      };
    };

    // Spilo-like Patroni slack (ttl >= loop_wait + 2 * retry_timeout), as rollout.test.ts has: the demo's ttl 8 lets a
    // starved leader demote itself, an unplanned failover that would be counted against the rollout.
    const manifest = clusterManifest({ name: NAME, instances: 3 }) as { spec: Record<string, unknown> };
    manifest.spec.patroni = { ttl: 20, loop_wait: 2, retry_timeout: 9 };
    await custom.createNamespacedCustomObject({ ...PG, body: manifest });
    await until('3 members streaming, status Running', settled, 300_000, 1000);

    // Baseline 1: Patroni's own switchover, through its REST API, under the same writer.
    const w1 = await writer('bench_switchover');
    await new Promise((r) => setTimeout(r, 2_000)); // a steady writer before the switchover
    const before = await members();
    const from = before.find((m) => m.role === 'leader')!.name;
    const to = before.find((m) => m.role !== 'leader')!.name;
    const tSw = Date.now();
    const res = await patroni('/switchover', { method: 'POST', body: JSON.stringify({ leader: from, candidate: to }) });
    if (res.status !== 200) throw new Error(`bench rollout: switchover answered ${res.status}: ${await res.text()}`);
    await until('the candidate leads and the rest stream', async () => (await leaderPod())?.metadata?.name === to && (await streaming()), 120_000, 100);
    const switchoverMs = Date.now() - tSw;
    await new Promise((r) => setTimeout(r, 2_000));
    const sw = await w1.stop();

    // Baseline 2: one replica pod deleted, recreated by the StatefulSet, streaming again with no lag.
    const replica = (await members()).find((m) => m.role !== 'leader')!.name;
    const oldUid = (await pods()).find((p) => p.metadata!.name === replica)!.metadata!.uid;
    const tRe = Date.now();
    await core.deleteNamespacedPod({ namespace: NS, name: replica });
    await until('the replica back and streaming', async () => {
      const p = (await pods()).find((x) => x.metadata!.name === replica);
      return p && p.metadata!.uid !== oldUid && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && (await streaming());
    }, 180_000, 100);
    const podCycleMs = Date.now() - tRe;
    await until('settled after the pod cycle', settled, 120_000, 500);

    // The rollout: an env change in the manifest, under the writer.
    const tl = await timeline();
    const w2 = await writer('bench_rollout');
    await new Promise((r) => setTimeout(r, 2_000));
    const uids = new Set((await pods()).map((p) => p.metadata!.uid));
    const tRo = Date.now();
    await custom.patchNamespacedCustomObject({ ...PG, body: { spec: { env: [{ name: 'BENCH_ROLL', value: String(Date.now()) }] } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await until('every pod recreated and the cluster settled', async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => !uids.has(p.metadata!.uid)) && (await settled());
    }, 900_000, 250);
    const rolloutMs = Date.now() - tRo;
    await new Promise((r) => setTimeout(r, 2_000));
    const ro = await w2.stop();
    const switchovers = (await timeline()) - tl;

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    return [
      { bench: `rollout: longest write gap, env change rolled by the daemon (3 members, a write every ${WRITE_EVERY_MS} ms)`, value: s(ro.longestGapMs), baseline: `${s(sw.longestGapMs)} bare Patroni switchover (REST)`, ratio: (ro.longestGapMs / Math.max(1, sw.longestGapMs)).toFixed(2), goal: '< 5 s' },
      { bench: 'rollout: acknowledged writes lost', value: `${ro.lost} of ${ro.acked}`, baseline: `${sw.lost} of ${sw.acked} in the bare switchover`, ratio: '', goal: '0' },
      { bench: 'rollout: switchovers (timeline increase)', value: String(switchovers), baseline: '', ratio: '', goal: '1' },
      { bench: 'rollout: total time, patch → 3 pods recreated, streaming, status Running', value: s(rolloutMs), baseline: `${s(3 * podCycleMs)} = 3 × ${s(podCycleMs)} replica pod delete → streaming, lag 0`, ratio: (rolloutMs / (3 * podCycleMs)).toFixed(2), goal: '' },
      { bench: 'rollout: bare Patroni switchover, request → new leader, replicas streaming', value: s(switchoverMs), baseline: '', ratio: '', goal: '' },
    ];
  } finally {
    await w.stop();
  }
}
