// The readouts an incident needs, against real Patroni 3 + PostgreSQL 15
// members in the sandbox, through the built zpg: members with their pods'
// state, replication from both ends (a replica whose replay is paused reads
// "replay paused", not "receive stuck"), slots, the maintenance banner,
// history after two switchovers, and `zpg list` -o name / -l / --watch.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { PatroniClient } from '../../src/services/patroni/client.ts';
import { memberTransports } from '../../src/services/patroni/transports.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';
import { exited, spawnZpg, waitForOutput, zpg } from '../helpers/zpg.ts';

const NAME = 'acid-readouts';
const NS = 'default';
const LSN = /^[0-9A-F]+\/[0-9A-F]+$/;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

let w: MemberWorld;
const run = (...args: string[]) => zpg(['--kubeconfig', w.world.kubeconfig, '-n', NS, ...args], { timeoutMs: 60_000 });
const psql = async (pod: string, sql: string) => (await w.kubectl('exec', pod, '--', 'psql', '-tAc', sql)).trim();
const patroni = (pod: string) => new PatroniClient(memberTransports(w.kc)({ namespace: NS, pod }), 10_000);

interface Status {
  leader: string;
  paused: boolean;
  health: string;
  createdAt: string;
  members: { name: string; podReady: boolean; podPhase: string; restarts: number; createdAt: string; node: string | null; tags: Record<string, unknown>; role: string }[];
  replication: {
    source: string;
    leaderLsn: string;
    streams: { name: string; state: string; syncState: string; sentLsn: string; replayLsn: string; replayLagBytes: number }[];
    receivers: { name: string; verdict: string; replayPaused: boolean; receiveLagBytes: number; replayLagBytes: number; receiveLsn: string }[];
    slots: { name: string; active: boolean; retainedBytes: number }[];
    errors: string[];
  };
}
const status = async (): Promise<Status> => {
  const r = await run('status', NAME, '-o', 'json');
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Status;
};

beforeAll(async () => {
  w = await startMemberWorld('zpg-readouts-', [60, 69]);
  const file = join(w.dir, 'cluster.yaml');
  writeFileSync(file, JSON.stringify({ ...clusterManifest({ name: NAME, instances: 3 }, NS), metadata: { name: NAME, namespace: NS, labels: { tier: 'gold' } } }));
  await w.kubectl('apply', '-f', file);
  await eventually(
    'three members, two streaming with active slots',
    async () => {
      const s = await status();
      return s.leader && s.members.every((m) => m.podReady) && s.replication?.streams.filter((x) => x.state === 'streaming').length === 2 && s.replication.slots.filter((x) => x.active).length === 2;
    },
    150_000,
    1_000,
  );
}, 200_000);

afterAll(async () => {
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('zpg status: members and replication from real Patroni', () => {
  it("shows each member's pod (READY, phase, restarts, age, node) and both ends of replication", async () => {
    const s = await status();
    expect(s.createdAt).toMatch(RFC3339);
    expect(s.members).toHaveLength(3);
    for (const m of s.members) {
      expect(m).toMatchObject({ podReady: true, podPhase: 'Running', restarts: 0, tags: {} });
      expect(m.createdAt).toMatch(RFC3339);
    }
    const r = s.replication;
    expect(r.source).toBe('sql');
    expect(r.leaderLsn).toMatch(LSN);
    const replicas = s.members.filter((m) => m.name !== s.leader).map((m) => m.name);
    expect(r.streams.map((x) => x.name).sort()).toEqual(replicas);
    for (const x of r.streams) expect(x).toMatchObject({ state: 'streaming', syncState: 'async', sentLsn: expect.stringMatching(LSN), replayLsn: expect.stringMatching(LSN) });
    // Patroni's permanent physical slots, one per replica, named after it
    expect(r.slots.map((x) => x.name).sort()).toEqual(replicas.map((n) => n.replace(/-/g, '_')));
    for (const x of r.slots) expect(x.retainedBytes).toBeGreaterThanOrEqual(0);
    expect(r.receivers.map((x) => x.verdict)).toEqual(['streaming', 'streaming']);

    const text = (await run('status', NAME)).stdout;
    // what the leader runs, from Patroni, not only the manifest's "15"
    expect(text).toMatch(/^Version: {3}15\.\d+$/m);
    expect(text).toMatch(/MEMBER\s+HOST\s+ROLE\s+STATE\s+TL\s+LAG\(MB\)\s+READY\s+PHASE\s+RESTARTS\s+AGE\s+NODE\s+TAGS/);
    expect(text).toMatch(/STANDBY\s+STATE\s+SYNC\s+SENT\s+WRITE\s+FLUSH\s+REPLAY/);
    expect(text).toMatch(/SLOT\s+TYPE\s+ACTIVE\s+RESTART LSN\s+RETAINED/);
  }, 60_000);

  it('reads a replica whose replay is paused as "replay paused": received keeps up, replayed falls behind', async () => {
    const s = await status();
    const replica = s.members.find((m) => m.name !== s.leader)!.name;
    // Patroni resumes a paused replay on PostgreSQL 14+ in every HA loop, except in maintenance mode.
    await patroni(s.leader).setPaused(true);
    await eventually('maintenance mode', async () => (await status()).paused, 30_000, 500);
    await psql(replica, 'SELECT pg_wal_replay_pause()');
    try {
      await psql(s.leader, 'CREATE TABLE IF NOT EXISTS readouts AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 20000) g');
      const stuck = await eventually(
        'replay paused with replay lag',
        async () => {
          const r = (await status()).replication.receivers.find((x) => x.name === replica)!;
          return r.verdict === 'replay paused' && r.replayLagBytes > 1_000_000 && r.receiveLagBytes < r.replayLagBytes ? r : undefined;
        },
        60_000,
        1_000,
      );
      expect(stuck!.replayPaused).toBe(true);
      const text = (await run('status', NAME)).stdout;
      expect(text).toMatch(new RegExp(`${replica}\\s+streaming\\s+\\S+\\s+\\S+\\s+[\\d.]+ k?B\\s+[\\d.]+ [kM]B\\s+replay paused`));
    } finally {
      await psql(replica, 'SELECT pg_wal_replay_resume()');
      await patroni(s.leader).patchConfig({ pause: null });
    }
    await eventually('replay caught up', async () => (await status()).replication.receivers.every((x) => x.verdict === 'streaming'), 60_000, 1_000);
  }, 150_000);
});

describe('maintenance mode', () => {
  it('shows a banner in status and paused in list once Patroni is paused, and clears after resume', async () => {
    const leader = (await status()).leader;
    await patroni(leader).setPaused(true);
    try {
      await eventually('status paused', async () => (await status()).paused, 30_000, 500);
      expect((await run('status', NAME)).stdout).toContain('MAINTENANCE MODE: Patroni is paused');
      const rows = JSON.parse((await run('list', '-o', 'json')).stdout) as { name: string; paused: boolean }[];
      expect(rows.find((r) => r.name === NAME)?.paused).toBe(true);
      expect((await run('list')).stdout).toMatch(new RegExp(`${NAME}\\s.*paused`));
    } finally {
      await patroni(leader).patchConfig({ pause: null });
    }
    await eventually('resumed', async () => !(await status()).paused, 30_000, 500);
    expect((await run('list')).stdout).not.toMatch(/paused/);
  }, 90_000);
});

describe('zpg history', () => {
  it('lists both timelines after two switchovers, as text and JSON', async () => {
    const first = await status();
    const [a, b] = first.members.filter((m) => m.name !== first.leader).map((m) => m.name);
    let last = '';
    const entries = (n: number) =>
      eventually(
        `${n} history entries`,
        async () => {
          const r = await run('history', NAME, '-o', 'json');
          last = r.stdout + r.stderr;
          const h = JSON.parse(r.stdout) as { timeline: number; lsn: string; reason: string; time: string; newLeader: string }[];
          return h.length >= n ? h : undefined;
        },
        90_000,
        1_000,
      ).catch((e: unknown) => {
        throw new Error(`${String(e)}; last answer: ${last}`);
      });
    const before = (await entries(0))!.length;
    await patroni(first.leader).switchover(first.leader, a);
    await eventually(`${a} leads`, async () => (await status()).leader === a, 60_000, 1_000);
    await entries(before + 1);
    // The second switchover waits until the first one has settled: every member back and streaming from a.
    await eventually(`${a} leads a healthy cluster`, async () => {
      const s = await status();
      return s.leader === a && s.health === 'Healthy' && s.replication?.streams.filter((x) => x.state === 'streaming').length === 2;
    }, 90_000, 1_000);
    await patroni(a).switchover(a, b);
    await eventually(`${b} leads`, async () => (await status()).leader === b, 60_000, 1_000);
    const rows = await entries(before + 2);
    const hist = rows!;
    expect(hist.slice(-2).map((h) => [h.timeline, h.newLeader])).toEqual([
      [hist.at(-2)!.timeline, a],
      [hist.at(-2)!.timeline + 1, b],
    ]);
    for (const h of hist) expect(h).toMatchObject({ lsn: expect.stringMatching(LSN), time: expect.stringMatching(RFC3339), reason: expect.any(String) });
    const text = (await run('history', NAME)).stdout;
    expect(text).toMatch(/^TL\s+LSN\s+REASON\s+TIME\s+NEW LEADER/);
    expect(text).toContain(b);
  }, 300_000);
});

describe('zpg list for scripts', () => {
  it('prints names, filters by label, and follows changes with --watch', async () => {
    expect((await run('list', '-o', 'name')).stdout).toBe(`postgresql.acid.zalan.do/${NAME}\n`);
    expect((await run('list', '-o', 'name', '-l', 'tier=gold')).stdout).toBe(`postgresql.acid.zalan.do/${NAME}\n`);
    expect((await run('list', '-o', 'name', '-l', 'tier=silver')).stdout).toBe('');
    const child = spawnZpg(['--kubeconfig', w.world.kubeconfig, '-n', NS, 'list', '--watch', '-o', 'json']);
    try {
      await waitForOutput(child, new RegExp(`"name":"${NAME}"`), 20_000);
      const file = join(w.dir, 'empty.yaml');
      writeFileSync(file, JSON.stringify({ ...clusterManifest({ name: 'acid-watched', instances: 0 }, NS) }));
      await w.kubectl('apply', '-f', file);
      const [line] = await waitForOutput(child, /\{"name":"acid-watched"[^\n]*\}/, 20_000);
      expect(JSON.parse(line)).toMatchObject({ name: 'acid-watched', namespace: NS, wanted: 0 });
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 60_000);
});
