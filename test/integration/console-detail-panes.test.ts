// The console's history (h) and replication (r) panes against real Patroni 3 +
// PostgreSQL 15 members in the sandbox: the same feeds the console starts
// (cluster feed into the store, the detail feed reading through the lite
// client), the pane lines the console draws from the store. History after two
// switchovers shows both; replication shows both standbys streaming with
// active slots, and a replica whose replay is paused reads "replay paused".
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { loadLiteKube } from '../../src/services/kube/lite/kubeconfig.ts';
import { startClusterFeed, type ClusterFeed } from '../../src/services/live/cluster-feed.ts';
import { startDetailFeed, type DetailFeed } from '../../src/services/live/detail-feed.ts';
import { liteDetailReaders } from '../../src/services/live/detail-readers.ts';
import { PatroniClient } from '../../src/services/patroni/client.ts';
import { memberTransports } from '../../src/services/patroni/transports.ts';
import { clusterRow } from '../../src/store/selectors.ts';
import { createZpgStore, type ZpgStore } from '../../src/store/store.ts';
import { historyLines } from '../../src/ui/views/history-pane.tsx';
import { replicationLines } from '../../src/ui/views/replication-pane.tsx';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';

const NAME = 'acid-panes';
const NS = 'default';
const KEY = `${NS}/${NAME}`;

let w: MemberWorld;
let store: ZpgStore;
let feed: ClusterFeed;
let detail: DetailFeed;
const patroni = (pod: string) => new PatroniClient(memberTransports(w.kc)({ namespace: NS, pod }), 10_000);
const psql = async (pod: string, sql: string) => (await w.kubectl('exec', pod, '--', 'psql', '-tAc', sql)).trim();
const row = () => clusterRow(store.getState(), KEY);
const leader = () => row()?.leader;
const text = (lines: { text: string }[]) => lines.map((l) => l.text).join('\n');
const replication = () => store.getState().replication?.report;

beforeAll(async () => {
  w = await startMemberWorld('zpg-panes-', [200, 209]);
  const file = join(w.dir, 'cluster.yaml');
  writeFileSync(file, JSON.stringify(clusterManifest({ name: NAME, instances: 3 }, NS)));
  await w.kubectl('apply', '-f', file);
  store = createZpgStore({ allNamespaces: false, namespace: NS });
  feed = startClusterFeed(w.kc, store, NS, w.kc.getCurrentCluster()!.server);
  // quick ticks: the test waits for state, and state comes sooner
  detail = startDetailFeed(store, liteDetailReaders(loadLiteKube({ kubeconfig: w.world.kubeconfig }), store), { intervalMs: { history: 1_000, replication: 1_000 } });
  store.getState().setFocus({ cluster: KEY, pane: 'replication' });
  await eventually(
    'three members, two streaming with active slots, in the replication pane',
    () => {
      const r = replication();
      return row()?.members.every((m) => m.podReady) && r?.streams.filter((s) => s.state === 'streaming').length === 2 && r.slots.filter((s) => s.active).length === 2;
    },
    180_000,
    500,
  );
}, 240_000);

afterAll(async () => {
  detail?.stop();
  await feed?.stop();
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('replication pane', () => {
  it("shows the leader's view and each standby's, with active slots", () => {
    const r = replication()!;
    expect(r.source).toBe('sql');
    expect(r.leader).toBe(leader());
    const replicas = row()!.members.filter((m) => m.name !== leader()).map((m) => m.name).sort();
    expect(r.receivers.map((x) => x.name).sort()).toEqual(replicas);
    const shown = text(replicationLines(store.getState().replication, 80));
    expect(shown).toContain(`Leader ${leader()} at ${r.leaderLsn} · from SQL`);
    for (const m of replicas) expect(shown).toMatch(new RegExp(`^${m}\\s+streaming\\s+(async|sync|quorum|potential)\\s`, 'm'));
    expect(shown).toMatch(/^SLOT\s+TYPE\s+ACTIVE/m);
    expect(shown.match(/\sphysical\s+yes\s/g)).toHaveLength(2);
  });

  it('reads a replica whose replay is paused as "replay paused", not stuck receiving', async () => {
    const lead = leader()!;
    const replica = row()!.members.find((m) => m.name !== lead)!.name;
    // Patroni resumes a paused replay on PostgreSQL 14+ in every HA loop, except in maintenance mode.
    await patroni(lead).setPaused(true);
    await eventually('Patroni paused', async () => (await patroni(lead).cluster()).paused, 30_000, 500);
    await psql(replica, 'SELECT pg_wal_replay_pause()');
    try {
      await psql(lead, 'CREATE TABLE IF NOT EXISTS panes AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 20000) g');
      const r = await eventually(
        'replay paused with replay lag in the pane',
        () => {
          const x = replication()?.receivers.find((v) => v.name === replica);
          return x?.verdict === 'replay paused' && (x.replayLagBytes ?? 0) > 1_000_000 && (x.receiveLagBytes ?? 0) < (x.replayLagBytes ?? 0) ? x : undefined;
        },
        90_000,
        500,
      );
      expect(r!.replayPaused).toBe(true);
      const lines = replicationLines(store.getState().replication, 80);
      const mine = lines.find((l) => new RegExp(`^${replica}\\s+streaming\\s+\\d+/[0-9A-F]+\\s`).test(l.text));
      expect(mine?.text).toMatch(/\sreplay paused$/);
      expect(mine?.tone).toBe('warn');
    } finally {
      await psql(replica, 'SELECT pg_wal_replay_resume()');
      await patroni(lead).patchConfig({ pause: null });
    }
    await eventually('replay caught up', () => replication()?.receivers.every((x) => x.verdict === 'streaming'), 90_000, 500);
  }, 200_000);
});

describe('history pane', () => {
  it('shows both timelines after two switchovers, newest first, and reads only while shown', async () => {
    store.getState().setFocus({ cluster: KEY, pane: 'history' });
    // the replication readout is dropped once its pane is off screen: it would silently age
    await eventually('replication dropped', () => store.getState().replication === undefined, 10_000);
    const before = (await eventually('the history', () => (store.getState().history?.at ? store.getState().history : undefined), 60_000, 500))!.rows.length;
    const first = leader()!;
    const [a, b] = row()!.members.filter((m) => m.name !== first).map((m) => m.name);
    await patroni(first).switchover(first, a);
    await eventually(`${a} leads, in the history`, () => leader() === a && (store.getState().history?.rows.length ?? 0) >= before + 1, 90_000, 500);
    // the second switchover waits until the first has settled: every member back and streaming from a
    await eventually(
      `${a} leads a healthy cluster`,
      async () => {
        const m = await patroni(a).cluster();
        // Patroni 3.0 says running for a replica that streams, later ones streaming
        const tl = m.members.find((x) => x.name === a)?.timeline;
        return m.members.length === 3 && m.members.every((x) => (x.state === 'running' || x.state === 'streaming') && x.timeline === tl && (x.lagBytes ?? 0) === 0);
      },
      120_000,
      1_000,
    );
    await patroni(a).switchover(a, b);
    const h = (await eventually(`${b} leads, in the history`, () => (leader() === b && (store.getState().history?.rows.length ?? 0) >= before + 2 ? store.getState().history : undefined), 90_000, 500))!;
    expect(h.rows.slice(-2).map((r) => r.newLeader)).toEqual([a, b]);
    expect(h.rows.at(-1)!.timeline).toBe(h.rows.at(-2)!.timeline + 1);
    const lines = historyLines(h, 80).map((l) => l.text);
    const top = lines.findIndex((l) => l.startsWith('TL'));
    // newest first: the switch to b, then the one to a
    expect(lines[top + 1]).toMatch(new RegExp(`^${h.rows.at(-1)!.timeline}\\s+[0-9A-F]+/[0-9A-F]+\\s+\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${b}\\s`));
    expect(lines[top + 2]).toMatch(new RegExp(`^${h.rows.at(-2)!.timeline}\\s+[0-9A-F]+/[0-9A-F]+\\s+\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${a}\\s`));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  }, 400_000);
});
