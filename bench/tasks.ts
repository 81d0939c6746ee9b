// BENCH=tasks: day-2 tasks against `zpg demo` (real Patroni + PostgreSQL
// members), each against a baseline measured in the same run:
// - `zpg switchover` (a process, through port-forward, waiting for health)
//   until the new leader accepts a write, against a bare POST /switchover to
//   the leader's Patroni REST API until the same (goal <= 1.2x);
// - `zpg psql acid-demo -- -c 'select 1'` wall time against `kubectl exec
//   acid-demo-N -- psql -c 'select 1'` (goal <= 1.0x);
// - `zpg recreate-member` of a replica of a cluster holding ~100 MB, until the
//   new member streams, against a pg_basebackup of the same leader (the copy
//   the new member has to make).
import * as k8s from '@kubernetes/client-node';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { median } from './stats.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..');
const ZPG = join(REPO, 'bin', 'zpg.mjs');
const KUBECTL = join(REPO, '.tools', 'bin', 'kubectl');
const ROUNDS = Number(process.env.BENCH_TASKS_ROUNDS ?? 3);
// BENCH_TASKS=psql (comma-separated: switchover, psql, recreate) runs only those parts.
const PARTS = new Set((process.env.BENCH_TASKS ?? 'switchover,psql,recreate').split(','));
const CLUSTER = 'acid-demo';
const NS = 'default';

const ms = (x: number) => Math.round(x);

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 180_000, stepMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`bench tasks: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

function waitFor(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms:\n${out.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer) => {
      out += d.toString();
      if (re.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (c) => reject(new Error(`zpg demo exited ${c}:\n${out.slice(-2000)}`)));
  });
}

export async function benchTasks(): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync('/var/tmp/zpg-bench-tasks-');
  chmodSync(dir, 0o755);
  const kubeconfig = join(dir, 'kubeconfig');
  const demo = spawn(process.execPath, [ZPG, 'demo', '--headless', '--kubeconfig', kubeconfig, '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitFor(demo, /^zpg demo: ready/m, 240_000);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const secret = await core.readNamespacedSecret({ namespace: NS, name: `postgres.${CLUSTER}.credentials.postgresql.acid.zalan.do` });
    const password = Buffer.from(secret.data!.password!, 'base64').toString();
    // pg_hba lets the replication user, not the superuser, make base backups (as Spilo's does)
    const standby = await core.readNamespacedSecret({ namespace: NS, name: `standby.${CLUSTER}.credentials.postgresql.acid.zalan.do` });
    const standbyPassword = Buffer.from(standby.data!.password!, 'base64').toString();
    const pods = async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: `cluster-name=${CLUSTER}` })).items;
    const ipOf = async (name: string) => (await pods()).find((p) => p.metadata?.name === name)?.status?.podIP;
    const leader = async () => (await pods()).find((p) => p.metadata?.labels?.['spilo-role'] === 'master')?.metadata?.name;
    const query = async (ip: string, text: string) => {
      const c = new pg.Client({ host: ip, port: 5432, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 2000, query_timeout: 5000 });
      await c.connect();
      try {
        return (await c.query(text)).rows;
      } finally {
        await c.end().catch(() => {});
      }
    };
    const leaderNow = await until('a leader', leader);
    await query((await ipOf(leaderNow))!, 'create table if not exists bench_writes (at timestamptz default now())');
    /** a write that commits on this member: it leads */
    const writable = (ip: string) => query(ip, 'insert into bench_writes default values').then(() => true);
    const streaming = async (n: number) => {
      const l = await leader();
      const rows = l ? await query((await ipOf(l))!, "select count(*)::int as n from pg_stat_replication where state = 'streaming'") : [];
      return rows[0]?.n === n ? true : undefined;
    };
    // zpg refuses a candidate whose pod is not Ready yet (the readiness probe lags the streaming by a moment)
    const allReady = async () => (await pods()).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3;
    const healthy = () => until('2 replicas streaming, 3 pods ready', async () => ((await streaming(2)) && (await allReady()) ? true : undefined));

    const rows: Record<string, unknown>[] = [];
    // 1. switchover: zpg vs a bare POST to Patroni
    const zpgTimes: number[] = [];
    const bareTimes: number[] = [];
    for (let i = 0; PARTS.has('switchover') && i < ROUNDS; i++) {
      for (const how of ['bare', 'zpg'] as const) {
        await healthy();
        const from = (await until('a leader', leader))!;
        const to = (await pods()).map((p) => p.metadata!.name!).filter((n) => n !== from).sort()[0]!;
        const toIp = (await ipOf(to))!;
        const t0 = performance.now();
        if (how === 'bare') {
          const res = await fetch(`http://${(await ipOf(from))!}:8008/switchover`, { method: 'POST', body: JSON.stringify({ leader: from, candidate: to }), signal: AbortSignal.timeout(60_000) });
          if (res.status !== 200) throw new Error(`bare switchover: HTTP ${res.status} ${await res.text()}`);
          await until(`${to} writable`, () => writable(toIp), 120_000, 50);
          bareTimes.push(performance.now() - t0);
        } else {
          const child = run(process.execPath, [ZPG, '--kubeconfig', kubeconfig, 'switchover', CLUSTER, '--candidate', to, '--yes'], { timeout: 240_000 });
          await until(`${to} writable`, () => writable(toIp), 120_000, 50);
          zpgTimes.push(performance.now() - t0);
          await child; // it goes on to wait for the replicas; the next round starts healthy either way
        }
      }
    }

    if (zpgTimes.length) rows.push({ bench: 'tasks', what: 'switchover → new leader writable (median)', zpg_ms: ms(median(zpgTimes)), baseline: 'bare Patroni POST /switchover', baseline_ms: ms(median(bareTimes)), ratio: +(median(zpgTimes) / median(bareTimes)).toFixed(2), goal: '<= 1.2', rounds: ROUNDS });

    // 2. psql: zpg psql vs kubectl exec
    const zpgPsql: number[] = [];
    const kubectlPsql: number[] = [];
    const zpgStart: number[] = [];
    for (let i = 0; PARTS.has('psql') && i < ROUNDS + 2; i++) {
      const l = (await until('a leader', leader))!;
      let t0 = performance.now();
      const a = await run(process.execPath, [ZPG, '--kubeconfig', kubeconfig, 'psql', CLUSTER, '--', '-tAc', 'select 1']);
      zpgPsql.push(performance.now() - t0);
      t0 = performance.now();
      const b = await run(KUBECTL, ['--kubeconfig', kubeconfig, 'exec', l, '--', 'psql', '-U', 'postgres', '-tAc', 'select 1']);
      kubectlPsql.push(performance.now() - t0);
      // the floor: zpg's start alone (Node, the launcher, the main bundle), no request at all
      t0 = performance.now();
      await run(process.execPath, [ZPG, '--version']);
      zpgStart.push(performance.now() - t0);
      if (a.stdout.trim() !== '1' || b.stdout.trim() !== '1') throw new Error(`psql answered ${JSON.stringify(a.stdout)} / ${JSON.stringify(b.stdout)}`);
    }

    if (zpgPsql.length) {
      rows.push({ bench: 'tasks', what: "psql -c 'select 1' wall time (median)", zpg_ms: ms(median(zpgPsql)), baseline: 'kubectl exec -- psql', baseline_ms: ms(median(kubectlPsql)), ratio: +(median(zpgPsql) / median(kubectlPsql)).toFixed(2), goal: '<= 1.0', rounds: ROUNDS + 2 });
      rows.push({ bench: 'tasks', what: 'floor: zpg --version (start-up alone, median)', zpg_ms: ms(median(zpgStart)), baseline: 'kubectl exec -- psql', baseline_ms: ms(median(kubectlPsql)), ratio: +(median(zpgStart) / median(kubectlPsql)).toFixed(2), goal: '(report)', rounds: ROUNDS + 2 });
    }
    if (!PARTS.has('recreate')) return rows;

    // 3. recreate-member of a replica with ~100 MB vs pg_basebackup of the same leader
    await healthy();
    const l = (await until('a leader', leader))!;
    const lIp = (await ipOf(l))!;
    await query(lIp, "create table if not exists bench_big as select g, repeat(md5(g::text), 30) as pad from generate_series(1, 100000) g");
    const [{ size }] = await query(lIp, "select pg_database_size('postgres')::bigint as size");
    await until('the replicas caught up', async () => ((await query(lIp, 'select max(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn))::bigint as lag from pg_stat_replication'))[0].lag === '0' ? true : undefined), 120_000, 200);
    const target = join(dir, 'basebackup');
    let t0 = performance.now();
    await run('pg_basebackup', ['-h', lIp, '-U', 'standby', '-D', target, '-X', 'stream', '-c', 'fast', '-w'], { env: { ...process.env, PGPASSWORD: standbyPassword } });
    const basebackup = performance.now() - t0;
    rmSync(target, { recursive: true, force: true });
    const replica = (await pods()).map((p) => p.metadata!.name!).filter((n) => n !== l).sort()[0]!;
    t0 = performance.now();
    await run(process.execPath, [ZPG, '--kubeconfig', kubeconfig, 'recreate-member', CLUSTER, replica, '--yes'], { timeout: 600_000 });
    const recreate = performance.now() - t0;

    return [
      ...rows,
      { bench: 'tasks', what: `recreate-member of a replica (${Math.round(Number(size) / 1048576)} MB database)`, zpg_ms: ms(recreate), baseline: 'pg_basebackup of the leader', baseline_ms: ms(basebackup), ratio: +(recreate / basebackup).toFixed(2), goal: '(report)', rounds: 1 },
    ];
  } finally {
    demo.kill('SIGTERM');
    await new Promise((r) => (demo.exitCode !== null ? r(undefined) : demo.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  }
}
