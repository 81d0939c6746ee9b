// Day-2 tasks from the CLI against real Patroni + PostgreSQL members in the
// sandbox, through the operator's StatefulSet: psql and patronictl over
// pods/exec with their exit codes, switchover (named and best candidate),
// pause/resume, restart clearing a pending restart, reinit of a replica,
// recreate-member (also finishing an interrupted run), failover with a dead
// leader, and the refusals (unknown names, read-only, no terminal, the leader).
import * as k8s from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { memberTransports } from '../../src/services/patroni/transports.ts';
import { clientFor, leaderOf, loadFacts, podOf, type ClusterFacts, type TaskEnv } from '../../src/services/tasks/facts.ts';
import { RECREATE_ANNOTATION } from '../../src/services/tasks/recreate-member.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';
import { spawnZpg, waitForOutput, exited, zpg as run } from '../helpers/zpg.ts';

const NAME = 'acid-tasks';
let w: MemberWorld;
let env: TaskEnv;
let core: k8s.CoreV1Api;

const zpg = (args: string[], extra: NodeJS.ProcessEnv = {}) => run(['--kubeconfig', w.world.kubeconfig, ...args], { timeoutMs: 240_000, env: { ZPG_CONFIG: join(w.dir, 'no-config.yaml'), ...extra } });
const facts = () => loadFacts(env, NAME);
const labelLeader = async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME},spilo-role=master` })).items.map((p) => p.metadata!.name!);

async function healthy(): Promise<ClusterFacts> {
  let last: ClusterFacts | undefined;
  await eventually(`${NAME} healthy (${last?.health.reasons.join('; ')})`, async () => {
    last = await facts();
    return last.health.health === 'Healthy' && last.pods.length === 3;
  }, 150_000, 1_000);
  return last!;
}

beforeAll(async () => {
  w = await startMemberWorld('zpg-tasks-', [23, 29]);
  core = w.kc.makeApiClient(k8s.CoreV1Api);
  env = { kc: w.kc, namespace: 'default', transportFor: memberTransports(w.kc) };
  const file = join(w.dir, 'cluster.yaml');
  writeFileSync(file, JSON.stringify(clusterManifest({ name: NAME, instances: 3 })));
  await w.kubectl('apply', '-f', file);
  await healthy();
}, 200_000);

afterAll(async () => {
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('psql and patronictl over pods/exec', () => {
  it("runs psql on the leader, or a replica, and exits with psql's code", async () => {
    const one = await zpg(['psql', NAME, '--', '-tAc', 'select pg_is_in_recovery()']);
    expect(one).toMatchObject({ code: 0, stdout: 'f\n' });
    const rep = await zpg(['psql', NAME, '--replica', '--', '-tAc', 'select pg_is_in_recovery()']);
    expect(rep).toMatchObject({ code: 0, stdout: 't\n' });
    const db = await zpg(['psql', NAME, '-d', 'template1', '--', '-tAc', 'select current_database()']);
    expect(db).toMatchObject({ code: 0, stdout: 'template1\n' });
    const bad = await zpg(['psql', NAME, '--', '-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('division by zero');
    const missing = await zpg(['psql', NAME, '-d', 'nosuchdb', '--', '-c', 'select 1']);
    expect(missing.code).toBe(2); // psql: could not connect
  }, 150_000);

  it('runs patronictl and passes its output and exit code through', async () => {
    const list = await zpg(['patronictl', NAME, '--', 'list']);
    expect(list.code, list.stderr).toBe(0);
    const [leader] = await labelLeader();
    expect(list.stdout).toMatch(new RegExp(`\\| ${leader}\\s+\\| [\\d.]+\\s+\\| Leader`));
    const bad = await zpg(['patronictl', NAME, '--', 'no-such-command']);
    expect(bad.code).toBe(2); // click's usage error
    expect(bad.stderr).toMatch(/No such command/);
  }, 150_000);
});

describe('refusals', () => {
  it('names the unknown cluster or member and the ones that exist', async () => {
    const c = await zpg(['switchover', 'acid-nope', '--yes']);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe(`zpg: cluster "acid-nope" not found in namespace default; clusters there: ${NAME}\n`);
    const m = await zpg(['reinit', NAME, `${NAME}-9`, '--yes']);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe(`zpg: member "${NAME}-9" not found in cluster ${NAME}; its members: ${NAME}-0, ${NAME}-1, ${NAME}-2\n`);
    const p = await zpg(['psql', NAME, '--member', `${NAME}-7`, '--', '-c', 'select 1']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain(`member "${NAME}-7" not found in cluster ${NAME}; its members: ${NAME}-0, ${NAME}-1, ${NAME}-2`);
  }, 150_000);

  it('refuses every mutating command under --read-only and with readOnly: true in the config file', async () => {
    const before = await labelLeader();
    const flag = await zpg(['--read-only', 'switchover', NAME, '--yes']);
    expect(flag.code).toBe(3);
    expect(flag.stderr).toBe('zpg: switchover refused: zpg is read-only (--read-only); switchover changes the cluster\n');
    const file = join(w.dir, 'config.yaml');
    writeFileSync(file, 'readOnly: true\n');
    const cfg = await zpg(['pause', NAME, '-o', 'json'], { ZPG_CONFIG: file });
    expect(cfg.code).toBe(3);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ kind: 'pause', state: 'refused', result: `zpg is read-only (readOnly: true in ${file}); pause changes the cluster` });
    expect((await zpg(['psql', NAME, '--', '-c', 'select 1'], { ZPG_CONFIG: file })).code).toBe(3);
    expect(await labelLeader()).toEqual(before);
  }, 150_000);

  it('refuses a destructive task without a terminal and without --yes; --dry-run changes nothing', async () => {
    const [leader] = await labelLeader();
    const replica = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    const r = await zpg(['failover', NAME, '--candidate', replica]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/is destructive and there is no terminal to confirm it on; pass --yes/);
    const dry = await zpg(['failover', NAME, '--candidate', replica, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`dry run: would failover of ${NAME} to ${replica}`);
    expect(dry.stdout).toContain(`1. ask Patroni on ${replica} to fail over to it`);
    expect(await labelLeader()).toEqual([leader]);
  }, 150_000);

  it('refuses to recreate the leader, and suggests a switchover', async () => {
    const [leader] = await labelLeader();
    const r = await zpg(['recreate-member', NAME, leader, '--yes']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`zpg: recreate-member refused: ${leader} leads ${NAME}; switch over first (zpg switchover ${NAME}), then recreate it\n`);
  }, 30_000);
});

describe('switchover', () => {
  it('to a named candidate: prints each step, ends healthy with the candidate leading', async () => {
    const [leader] = await labelLeader();
    const candidate = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    const started = Date.now() - 1000; // events carry whole seconds
    const r = await zpg(['switchover', NAME, '--candidate', candidate]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`→ ask Patroni on ${leader} to switch over to ${candidate}`);
    expect(r.stdout).toMatch(new RegExp(`✓ ask Patroni on ${leader} to switch over to ${candidate} \\(\\d+\\.\\ds\\): Successfully switched over to "${candidate}"`));
    expect(r.stdout).toMatch(new RegExp(`${candidate} leads ${NAME}; leader ${candidate} \\(timeline \\d+\\), 3/3 members healthy\\n$`));
    expect(await labelLeader()).toEqual([candidate]);
    // The operator tells the move as a change; neither the moment without a leader in between nor a sync cut off by
    // the old leader's demotion is a Warning.
    const events = async () => (await core.listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === NAME && new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime() >= started);
    await eventually('LeaderChanged told', async () => (await events()).some((e) => e.reason === 'LeaderChanged' && e.message === `${candidate} is the leader (was ${leader})`), 60_000, 500);
    expect((await events()).filter((e) => e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`)).toEqual([]);
  }, 240_000);

  it('to the best candidate, with a stable JSON record', async () => {
    const [leader] = await labelLeader();
    const r = await zpg(['switchover', NAME, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout) as { member: string; state: string; steps: { name: string; state: string; elapsedMs: number }[] };
    expect(t).toMatchObject({ kind: 'switchover', cluster: `default/${NAME}`, state: 'done', dryRun: false });
    expect(t.member).not.toBe(leader);
    expect(t.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
    expect(await labelLeader()).toEqual([t.member]);
    expect((await healthy()).health.leader).toBe(t.member);
  }, 240_000);
});

describe('pause and resume', () => {
  it('turns maintenance mode on and off, as patronictl shows', async () => {
    try {
      expect((await zpg(['pause', NAME])).code).toBe(0);
      expect((await facts()).patroni?.paused).toBe(true);
      // code and stderr in the message: once on a loaded machine this list came back empty, with no more to go on
      const list = await zpg(['patronictl', NAME, '--', 'list']);
      expect(list.stdout, `exit ${list.code}: ${list.stderr}`).toContain('Maintenance mode: on');
      const again = await zpg(['pause', NAME]);
      expect(again.stdout).toContain('skipped, already paused');
      expect((await zpg(['resume', NAME])).code).toBe(0);
      expect((await facts()).patroni?.paused).toBeFalsy();
    } finally {
      // a paused cluster would fail the tests after this one too (no replica is rebuilt under pause)
      if ((await facts()).patroni?.paused) await zpg(['resume', NAME]);
    }
  }, 240_000); // five zpg runs and a patronictl: over 90 s on a busy 2-core machine
});

describe('restart, with the operator stopped (it restarts pending members itself)', () => {
  it('--pending restarts where a restart is pending, the leader last, and clears it', async () => {
    await w.stopOperator();
    const f = await facts();
    await clientFor(env, podOf(f, f.health.leader!)).patchConfig({ postgresql: { parameters: { max_locks_per_transaction: 96 } } });
    await eventually('a restart pending on every member', async () => (await facts()).patroni?.members.every((m) => m.pendingRestart) === true, 60_000, 1_000);
    const r = await zpg(['restart', NAME, '--pending', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    const leader = leaderOf(await facts())!;
    const order = [...r.stdout.matchAll(/✓ restart (\S+)/g)].map((m) => m[1]);
    expect(order).toHaveLength(3);
    expect(order[2]).toBe(leader);
    const after = await facts();
    expect(after.patroni?.members.some((m) => m.pendingRestart)).toBe(false);
    expect((await zpg(['psql', NAME, '--', '-tAc', 'show max_locks_per_transaction'])).stdout).toBe('96\n');
    const none = await zpg(['restart', NAME, '--pending']);
    expect(none.stdout).toContain('has a pending restart; nothing restarted');
  }, 240_000);

  it("refuses while the operator's rolling update is in progress", async () => {
    const [leader] = await labelLeader();
    const replica = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    await w.kubectl('annotate', 'pod', replica, 'zalando-postgres-operator-rolling-update-required=true');
    try {
      const r = await zpg(['switchover', NAME]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`switchover refused: the operator's rolling update is in progress \\(status \\w+; pods still to replace: ${replica}\\); try again when it has finished`));
    } finally {
      await w.kubectl('annotate', 'pod', replica, 'zalando-postgres-operator-rolling-update-required-');
    }
  }, 150_000);
});

describe('reinit', () => {
  it('rebuilds a replica from the leader and ends healthy', async () => {
    const [leader] = await labelLeader();
    const replica = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    const r = await zpg(['reinit', NAME, replica, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('reinitialize started');
    expect(r.stdout).toContain(`${replica} reinitialised; leader ${leader}`);
    expect(await labelLeader()).toEqual([leader]);
  }, 240_000);
});

describe('recreate-member', () => {
  it('continues an interrupted run: new pod, new PVC, streaming, annotation cleared', async () => {
    const [leader] = await labelLeader();
    const replica = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    const claim = `pgdata-${replica}`;
    const oldPvc = (await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: claim })).metadata!.uid;
    const oldPod = (await core.readNamespacedPod({ namespace: 'default', name: replica })).metadata!.uid;
    const first = spawnZpg(['--kubeconfig', w.world.kubeconfig, 'recreate-member', NAME, replica, '--yes'], { ZPG_CONFIG: join(w.dir, 'no-config.yaml') });
    await waitForOutput(first, new RegExp(`✓ delete PVC ${claim}`), 60_000);
    first.kill('SIGKILL'); // a lost session, after the claim went and before the pod did
    await exited(first);
    const custom = w.kc.makeApiClient(k8s.CustomObjectsApi);
    const pg = (await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', name: NAME })) as { metadata: { annotations?: Record<string, string> } };
    expect(JSON.parse(pg.metadata.annotations![RECREATE_ANNOTATION]!)).toMatchObject({ member: replica, claim, podUid: oldPod, claimUid: oldPvc });
    // another member cannot start while this one is unfinished
    const other = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader && n !== replica)!;
    const blocked = await zpg(['recreate-member', NAME, other, '--yes']);
    expect(blocked.code).toBe(3);
    expect(blocked.stderr).toContain(`finish it first: zpg recreate-member ${NAME} ${replica}`);
    const second = await zpg(['recreate-member', NAME, replica, '--yes']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/- record the task .*: skipped, resuming the run started/);
    expect(second.stdout).toContain(`- delete PVC ${claim}: skipped, already deleted`);
    expect(second.stdout).toContain(`✓ delete pod ${replica}`);
    expect(second.stdout).toContain(`${replica} recreated on a new volume; leader ${leader}`);
    expect((await core.readNamespacedPersistentVolumeClaim({ namespace: 'default', name: claim })).metadata!.uid).not.toBe(oldPvc);
    expect((await core.readNamespacedPod({ namespace: 'default', name: replica })).metadata!.uid).not.toBe(oldPod);
    const after = (await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', name: NAME })) as { metadata: { annotations?: Record<string, string> } };
    expect(after.metadata.annotations?.[RECREATE_ANNOTATION]).toBeUndefined();
    expect((await zpg(['psql', NAME, '--member', replica, '--', '-tAc', 'select pg_is_in_recovery()'])).stdout).toBe('t\n');
  }, 300_000);
});

describe('failover', () => {
  it('promotes the named replica when the leader is dead, and ends healthy', async () => {
    await healthy();
    const [leader] = await labelLeader();
    const candidate = [0, 1, 2].map((i) => `${NAME}-${i}`).find((n) => n !== leader)!;
    await w.world.kubelet!.memberOf('default', leader)!.kill();
    const r = await zpg(['failover', NAME, '--candidate', candidate, '--yes']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain(`${candidate} leads ${NAME}`);
    expect(await labelLeader()).toEqual([candidate]);
    // Run again (a script retrying, or Patroni was quicker): the candidate leads, so nothing is destructive and
    // nothing is asked of Patroni; no terminal and no --yes are needed.
    const again = await zpg(['failover', NAME, '--candidate', candidate]);
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toContain(`${candidate} leads already: nothing to ask Patroni`);
    expect(await labelLeader()).toEqual([candidate]);
  }, 240_000);
});
