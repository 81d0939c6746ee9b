// Rolling updates carried out by the daemon against real Patroni 3 +
// PostgreSQL 15 members: every pod recreated one at a time, replicas first,
// then exactly one switchover (timeline + 1), while a client writes every
// 50 ms and loses no acknowledged write; a daemon killed mid-rollout finishes
// it after a restart without a second switchover; a switchover outside the
// maintenance windows is scheduled with Patroni, not done; a pod that never
// comes back stops the rollout with UpdateFailed, naming the pod and why.
// The daemon runs as its own process (dist/zpg.mjs --daemon), so it can be
// killed with SIGKILL as a node would kill it.
import * as k8s from '@kubernetes/client-node';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, installOperatorConfig } from '../../src/sandbox/demo/install.ts';
import { CONFIG_MAP_NAME, OPERATOR_NAMESPACE, clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { startWorld, type World } from '../../src/sandbox/demo/world.ts';
import { processesUnder } from '../../src/sandbox/patroni/processes.ts';
import { PatroniClient, httpTransport } from '../../src/services/patroni/client.ts';
import { startLeaderWriter } from '../helpers/leader-writer.ts';
import { eventually } from '../helpers/sandbox.ts';
import { REPO, spawnZpg } from '../helpers/zpg.ts';

const NAME = 'acid-roll';
const NS = 'default';
const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name: NAME };
const MARK = 'zalando-postgres-operator-rolling-update-required';

let dir: string;
let subnet: Subnet;
let world: World;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let daemon: ChildProcess | undefined;

let daemons = 0;
function startDaemon(): ChildProcess {
  const child = spawnZpg(['--daemon', '--kubeconfig', world.kubeconfig, '--port', '0'], { POD_NAMESPACE: OPERATOR_NAMESPACE, CONFIG_MAP_NAME, WATCHED_NAMESPACE: '*' });
  // the daemon's log, for a failing run
  const log = createWriteStream(join(dir, `daemon-${++daemons}.log`));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  child.on('exit', (code, signal) => log.write(`exit ${String(code)} ${String(signal)}\n`));
  return child;
}

async function killDaemon(signal: NodeJS.Signals): Promise<void> {
  const d = daemon;
  daemon = undefined;
  if (!d || d.exitCode !== null) return;
  await new Promise<void>((r) => {
    d.once('exit', () => r());
    d.kill(signal);
  });
}

async function setConfig(data: Record<string, string>): Promise<void> {
  await core.patchNamespacedConfigMap({ namespace: OPERATOR_NAMESPACE, name: CONFIG_MAP_NAME, body: { data } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

async function patchCluster(spec: Record<string, unknown>): Promise<void> {
  await custom.patchNamespacedCustomObject({ ...PG, body: { spec } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
}

type Status = { PostgresClusterStatus?: string; conditions?: { type: string; status: string; reason: string; message: string }[] };
const status = async () => ((await custom.getNamespacedCustomObject(PG)) as { status?: Status }).status;
const condition = (s: Status | undefined, type: string) => s?.conditions?.find((c) => c.type === type);
const pods = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: `cluster-name=${NAME}` })).items.sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
const leaderPod = async () => (await pods()).find((p) => p.metadata?.labels?.['spilo-role'] === 'master' && !p.metadata.deletionTimestamp);
const patroniOf = (p: k8s.V1Pod) => new PatroniClient(httpTransport(`http://${p.status!.podIP!}:8008`), 5_000);

async function events(): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` });
  // a repeated event is one Event with a count: it is listed that many times
  return list.items
    .sort((a, b) => String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')))
    .flatMap((e) => Array<string>(e.count ?? 1).fill(`${e.reason}: ${e.message}`));
}
const switchoverEvents = async () => (await events()).filter((e) => e.startsWith('Switchover: Successfully switched over'));

async function timeline(): Promise<number> {
  return eventually<number | undefined>('the leader reports its timeline', async () => {
    const l = await leaderPod();
    return l ? (await patroniOf(l).member()).timeline : undefined;
  }, 60_000, 500) as Promise<number>;
}

/**
 * The leader's timeline is `expected`. When it is not, the failure says why each promotion happened (Patroni's
 * history: a switchover names its new leader, a failover after a lost leader key does too but with no Switchover
 * event) and what the operator told, so a flake under load can be told from a rollout that switched over twice.
 */
async function expectTimeline(expected: number): Promise<void> {
  const now = await timeline();
  if (now === expected) return;
  const history = await patroniOf((await leaderPod())!).history().catch((e: unknown) => String(e));
  expect(now, `timeline ${now}, expected ${expected}; Patroni history ${JSON.stringify(history)}; events: ${(await events()).join(' | ')}`).toBe(expected);
}

/** one leader, every replica streaming, status Running and nothing marked */
async function settled(): Promise<void> {
  await eventually('cluster Running with 3 ready members and no pod marked', async () => {
    const s = await status();
    const ps = await pods();
    return (
      s?.PostgresClusterStatus === 'Running' &&
      condition(s, 'Ready')?.status === 'True' &&
      condition(s, 'UpToDate')?.status === 'True' &&
      ps.length === 3 &&
      ps.every((p) => p.metadata?.annotations?.[MARK] !== 'true')
    );
  }, 180_000, 500);
}

/** A client that inserts a row every 50 ms into the current leader and remembers what was acknowledged. */
function startWriter(password: string) {
  return startLeaderWriter({ leaderIp: async () => (await leaderPod())?.status?.podIP, password, table: 'roll_writes' });
}

async function superuserPassword(): Promise<string> {
  const s = await core.readNamespacedSecret({ namespace: NS, name: `postgres.${NAME}.credentials.postgresql.acid.zalan.do` });
  return Buffer.from(s.data!.password!, 'base64').toString('utf8');
}

async function leaderQuery<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const l = (await leaderPod())!;
  const c = new pg.Client({ host: l.status!.podIP!, port: 5432, user: 'postgres', password: await superuserPassword(), database: 'postgres', connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

/** every acknowledged write is on the leader */
async function lostWrites(acked: number[]): Promise<number[]> {
  const rows = await leaderQuery<{ id: number }>('select id from roll_writes');
  const have = new Set(rows.map((r) => Number(r.id)));
  return acked.filter((id) => !have.has(id));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zpg-rollout-'));
  chmodSync(dir, 0o755);
  subnet = claimSubnet(150, 159);
  world = await startWorld({ dataDir: dir, kubeconfig: join(dir, 'kubeconfig'), subnet: subnet.octet });
  installCrds(world.api.registry);
  installOperatorConfig(world.api.registry);
  kc = new k8s.KubeConfig();
  kc.loadFromFile(world.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  // a pod that does not come back stops the rollout after this long (Zalando's default: 10 minutes)
  await setConfig({ pod_label_wait_timeout: '45s' });
  daemon = startDaemon();
  const m = clusterManifest({ name: NAME, instances: 3 }) as { spec: Record<string, unknown> };
  // The demo's ttl 8 / retry_timeout 3 lets a leader whose DCS call takes 3 s (a starved Patroni, or this process's
  // API server busy, on a loaded 2-core machine) demote itself: an unplanned failover, one timeline more than the
  // rollout's switchover. Spilo-like slack here (ttl >= loop_wait + 2 * retry_timeout) keeps "exactly one switchover"
  // about the operator; a switchover is explicit and does not wait for the ttl.
  m.spec.patroni = { ttl: 20, loop_wait: 2, retry_timeout: 9 };
  await custom.createNamespacedCustomObject({ ...PG, body: m });
  await settled();
  await eventually('a table to write into', async () => (await leaderQuery('create table if not exists roll_writes(id bigint primary key)'), true), 60_000, 1_000);
}, 240_000);

afterAll(async () => {
  await killDaemon('SIGTERM');
  await world?.stop();
  subnet?.release();
  const left = dir ? processesUnder(dir).map((p) => p.pid) : [];
  if (dir && !process.env.KEEP_ROLLOUT_DIR) rmSync(dir, { recursive: true, force: true });
  expect(left).toEqual([]);
}, 120_000);

describe('rolling update carried out by the daemon', () => {
  it('an env change in the manifest recreates every pod with exactly one switchover, losing no acknowledged write', async () => {
    const before = await pods();
    const tl = await timeline();
    const switchovers = (await switchoverEvents()).length;
    const writer = startWriter(await superuserPassword());
    const t0 = Date.now();
    await patchCluster({ env: [{ name: 'ROLL_MARK', value: 'one' }] });
    await eventually('every pod recreated with the new env', async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => !before.some((b) => b.metadata!.uid === p.metadata!.uid) && p.spec!.containers[0]!.env!.some((e) => e.name === 'ROLL_MARK' && e.value === 'one'));
    }, 240_000, 500);
    await settled();
    const took = Date.now() - t0;
    await writer.stop();

    await expectTimeline(tl + 1);
    expect((await switchoverEvents()).length).toBe(switchovers + 1);
    expect(writer.acked.length).toBeGreaterThan(50);
    expect(await lostWrites(writer.acked)).toEqual([]);
    const told = await events();
    expect(told).toContain('Update: Performing rolling update');
    expect(told.some((e) => /^Update: Recreating pod acid-roll-\d \(1 of 3, replica\)/.test(e))).toBe(true);
    expect(told).toContain('Update: Rolling update done - pods have been recreated');
    // the kubelet started each new container with the new env, as a node would: kubectl exec sees it
    for (const p of await pods()) {
      const { stdout } = await promisify(execFile)(join(REPO, '.tools', 'bin', 'kubectl'), ['--kubeconfig', world.kubeconfig, '-n', NS, 'exec', p.metadata!.name!, '--', 'printenv', 'ROLL_MARK']);
      expect(stdout).toBe('one\n');
    }
    console.log(`env rollout: ${took} ms, ${writer.acked.length} writes, longest write gap ${writer.longestGapMs} ms`);
  }, 300_000);

  it('an image change in the config rolls every pod; the daemon killed mid-rollout finishes it with no second switchover', async () => {
    const before = await pods();
    const tl = await timeline();
    const switchovers = (await switchoverEvents()).length;
    const writer = startWriter(await superuserPassword());
    await setConfig({ docker_image: 'zpg.local/sandbox-spilo:15-p2' });
    // killed at the most delicate moment: the switchover is done, the old primary not yet recreated
    await eventually('the switchover is done', async () => (await switchoverEvents()).length > switchovers, 240_000, 100);
    await killDaemon('SIGKILL');
    daemon = startDaemon();
    await eventually('every pod recreated with the new image', async () => {
      const ps = await pods();
      return ps.length === 3 && ps.every((p) => !before.some((b) => b.metadata!.uid === p.metadata!.uid) && p.spec!.containers[0]!.image === 'zpg.local/sandbox-spilo:15-p2');
    }, 240_000, 500);
    await settled();
    await writer.stop();

    await expectTimeline(tl + 1);
    expect((await switchoverEvents()).length).toBe(switchovers + 1);
    expect(await lostWrites(writer.acked)).toEqual([]);
  }, 360_000);

  it('outside the maintenance windows the switchover is scheduled with Patroni at the next window, not done', async () => {
    const tl = await timeline();
    const leader = (await leaderPod())!.metadata!.name!;
    // a window on the day after tomorrow: now is certainly outside it
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][(new Date().getUTCDay() + 2) % 7];
    await patchCluster({ maintenanceWindows: [`${day}:01:00-02:00`], env: [{ name: 'ROLL_MARK', value: 'two' }] });
    const scheduled = await eventually('a scheduled switchover in Patroni', async () => (await patroniOf((await leaderPod())!).cluster()).scheduledSwitchover, 240_000, 1_000);
    const at = new Date(scheduled!.at);
    expect(at.getUTCDay()).toBe((new Date().getUTCDay() + 2) % 7);
    expect([at.getUTCHours(), at.getUTCMinutes()]).toEqual([1, 0]);
    await eventually('status says so', async () => condition(await status(), 'UpToDate')?.reason === 'SwitchoverScheduled', 30_000, 500);
    // the replicas are done; the leader is the same and still waits for its turn
    const ps = await pods();
    expect(ps.filter((p) => p.metadata?.annotations?.[MARK] === 'true').map((p) => p.metadata!.name)).toEqual([leader]);
    expect((await leaderPod())!.metadata!.name).toBe(leader);
    await expectTimeline(tl);
    expect((await status())?.PostgresClusterStatus).toBe('Updating');

    // the user lifts the window and drops Patroni's schedule: the rollout finishes now
    await patchCluster({ maintenanceWindows: null });
    const l = (await leaderPod())!;
    await fetch(`http://${l.status!.podIP!}:8008/switchover`, { method: 'DELETE' });
    await settled();
    await expectTimeline(tl + 1);
  }, 360_000);

  it('a pod that never comes back stops the rollout with UpdateFailed, naming the pod and why, and nothing else is touched', async () => {
    const before = await pods();
    await setConfig({ docker_image: 'registry.invalid/spilo:broken' });
    const s = await eventually('UpdateFailed', async () => {
      const st = await status();
      return st?.PostgresClusterStatus === 'UpdateFailed' ? st : undefined;
    }, 240_000, 1_000);
    const c = condition(s, 'UpToDate')!;
    expect(c.reason).toBe('RollingUpdateFailed');
    expect(c.message).toMatch(/acid-roll-\d not back in time: pod ErrImagePull/);
    const broken = /(acid-roll-\d) not back/.exec(c.message)![1]!;
    expect((await events()).some((e) => e.startsWith(`Update: Rolling update stopped at pod 1 of 3: pod ${broken} not back in time`))).toBe(true);
    // the other two pods still run their old selves, still marked
    const now = await pods();
    for (const p of now.filter((x) => x.metadata!.name !== broken)) {
      expect(before.find((b) => b.metadata!.name === p.metadata!.name)!.metadata!.uid).toBe(p.metadata!.uid);
      expect(p.metadata?.annotations?.[MARK]).toBe('true');
    }
  }, 300_000);
});
