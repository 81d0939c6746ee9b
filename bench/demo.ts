// `zpg demo` as a user starts it: time from launch to the ready line (two
// clusters, five real members streaming); then a third cluster through the
// API (eight members) and an idle window in which the whole process tree is
// measured: summed RSS (and PSS, which counts shared pages once) and CPU.
// Baselines from the same run: `zpg demo --no-pods` (the sandbox and the
// operator without members) and `zpg demo --no-backups` (members, no WAL
// archive, no base backups) for the start-up, the demo's own Node process
// for memory and CPU. With backups on, also the time from the ready line to
// the first base backup and archived WAL in the demo's S3.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { clusterManifest } from '../src/sandbox/demo/samples.ts';

const REPO = join(import.meta.dirname, '..');
const WINDOW_MS = Number(process.env.BENCH_DEMO_WINDOW_MS ?? 20_000);
const CLK_TCK = 100; // Linux USER_HZ
const READY = /^zpg demo: ready.*$/m;

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  ticks: number;
}

function stat(pid: number): Proc | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after comm: state ppid ... utime(14th overall → index 11 here) stime(12)
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

/**
 * The demo process and everything below it, by parent pid. Patroni detaches
 * its postmaster (it is reparented to init, so it survives a Patroni crash):
 * postmasters are found by their data directory under dir, then their backends.
 */
function tree(root: number, dir?: string): Proc[] {
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => stat(Number(d))).filter((p): p is Proc => p !== undefined);
  const out: Proc[] = [];
  const want = new Set([root, ...(dir ? all.filter((p) => cmdline(p.pid).includes(`${dir}/`)).map((p) => p.pid) : [])]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!want.has(p.pid) && want.has(p.ppid)) {
        want.add(p.pid);
        grew = true;
      }
    }
  }
  for (const p of all) if (want.has(p.pid)) out.push(p);
  return out;
}

function kb(pid: number, file: string, key: string): number {
  try {
    const m = readFileSync(`/proc/${pid}/${file}`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const mib = (kib: number) => Math.round(kib / 1024);

/** Object keys s3rver holds on disk under dir that contain `part` (it keeps each object as KEY._S3rver_object). */
function s3Keys(dir: string, part: string): string[] {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).filter((k) => k.endsWith('._S3rver_object') && k.includes(part));
  } catch {
    return [];
  }
}
const group = (p: Proc) => (p.comm.startsWith('postgres') || p.comm === 'postmaster' ? 'postgres' : p.comm.startsWith('patroni') || p.comm.startsWith('python') ? 'patroni' : p.comm === 'runuser' ? 'runuser' : 'node');

function startDemo(dir: string, extra: string[] = []): { child: ChildProcess; ready: Promise<number>; out: () => string; kubeconfig: string } {
  const kubeconfig = join(dir, 'kubeconfig');
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(REPO, 'bin', 'zpg.mjs'), 'demo', '--headless', '--data-dir', join(dir, 'data'), '--kubeconfig', kubeconfig, ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (READY.test(out)) resolve(performance.now() - t0);
    });
    child.once('exit', (code) => reject(new Error(`zpg demo exited with ${code}: ${out.slice(-2000)}`)));
  });
  return { child, ready, out: () => out, kubeconfig };
}

async function stopDemo(child: ChildProcess): Promise<number> {
  const t0 = performance.now();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return performance.now() - t0;
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`bench demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function benchDemo(): Promise<Record<string, unknown>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-demo-'));
  chmodSync(dir, 0o755); // members run as postgres when the bench runs as root
  const children: ChildProcess[] = [];
  try {
    // Baseline: everything but the members.
    const bare = startDemo(join(dir, 'nopods'), ['--no-pods']);
    children.push(bare.child);
    const bareReadyMs = await bare.ready;
    await stopDemo(bare.child);

    // Baseline: members, no backups.
    const plain = startDemo(join(dir, 'nobackups'), ['--no-backups']);
    children.push(plain.child);
    const plainReadyMs = await plain.ready;
    await stopDemo(plain.child);

    const demo = startDemo(dir);
    children.push(demo.child);
    const readyMs = await demo.ready;
    const readyAt = performance.now();
    const s3dir = join(dir, 'data', 's3');
    const backupMs = waitFor('a base backup in S3', () => s3Keys(s3dir, '_backup_stop_sentinel.json').length >= 2 || undefined, 180_000).then(() => performance.now() - readyAt);
    const walMs = waitFor('archived WAL in S3', () => s3Keys(s3dir, 'wal_005/').length > 0 || undefined, 180_000).then(() => performance.now() - readyAt);
    const [firstBackupMs, firstWalMs] = await Promise.all([backupMs, walMs]);

    // A third cluster through the API, as `kubectl create -f` would send it.
    const server = (parse(readFileSync(demo.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server;
    const t0 = performance.now();
    const res = await fetch(`${server}/apis/acid.zalan.do/v1/namespaces/default/postgresqls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(clusterManifest({ name: 'acid-third', instances: 3 })),
    });
    if (res.status !== 201) throw new Error(`creating acid-third: HTTP ${res.status} ${await res.text()}`);
    const third = /^zpg demo: default\/acid-third Running, 3\/3 ready, leader \S+, replicas \S+ streaming, \S+ streaming$/m;
    await waitFor('acid-third streaming', () => third.test(demo.out()), 90_000);
    const thirdMs = performance.now() - t0;

    // Idle: the summary's own polling, Patroni's loops, the kubelet's probes, the operator at rest.
    await new Promise((r) => setTimeout(r, 5_000));
    const pid = demo.child.pid!;
    const before = new Map(tree(pid, dir).map((p) => [p.pid, p.ticks]));
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const windowS = (performance.now() - w0) / 1000;
    const after = tree(pid, dir);
    const cpu = new Map<string, number>();
    for (const p of after) cpu.set(group(p), (cpu.get(group(p)) ?? 0) + (p.ticks - (before.get(p.pid) ?? 0)) / CLK_TCK);
    const pct = (s: number) => (100 * s) / windowS;
    const totalCpu = [...cpu.values()].reduce((a, b) => a + b, 0);
    const rss = after.reduce((a, p) => a + kb(p.pid, 'status', 'VmRSS'), 0);
    const pss = after.reduce((a, p) => a + kb(p.pid, 'smaps_rollup', 'Pss'), 0);
    // What a plain walk of the demo's descendants sees: Patroni's detached postmasters and their backends are missing.
    const descendants = new Set(tree(pid).map((p) => p.pid));
    const rssDescendants = after.filter((p) => descendants.has(p.pid)).reduce((a, p) => a + kb(p.pid, 'status', 'VmRSS'), 0);
    const nodeRss = kb(pid, 'status', 'VmRSS');
    const counts = new Map<string, number>();
    for (const p of after) counts.set(group(p), (counts.get(group(p)) ?? 0) + 1);

    const stopMs = await stopDemo(demo.child);
    const leftovers = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && cmdline(Number(d)).includes(`${dir}/`)).length;

    const split = ['node', 'patroni', 'postgres'].map((g) => `${g} ${pct(cpu.get(g) ?? 0).toFixed(1)}`).join(', ');
    return [
      { bench: 'demo: launch → ready line (2 clusters, 5 members streaming)', value: `${(readyMs / 1000).toFixed(1)} s`, baseline: `${(bareReadyMs / 1000).toFixed(1)} s --no-pods`, ratio: (readyMs / bareReadyMs).toFixed(1), goal: '< 30 s' },
      { bench: 'demo: launch → ready line, backups on (WAL archive, base backups)', value: `${(readyMs / 1000).toFixed(1)} s`, baseline: `${(plainReadyMs / 1000).toFixed(1)} s --no-backups`, ratio: (readyMs / plainReadyMs).toFixed(2), goal: '<= 1.2' },
      { bench: 'demo: ready line → a base backup of both clusters, and archived WAL, in S3', value: `${(firstBackupMs / 1000).toFixed(1)} s`, baseline: `first WAL ${(firstWalMs / 1000).toFixed(1)} s`, ratio: '', goal: '< 60 s' },
      { bench: 'demo: third cluster via the API → 3 members streaming', value: `${(thirdMs / 1000).toFixed(1)} s`, baseline: '', ratio: '', goal: '' },
      { bench: `demo: 8 members idle, summed RSS of ${after.length} processes (${[...counts].map(([g, n]) => `${n} ${g}`).join(', ')})`, value: `${mib(rss)} MiB`, baseline: `${mib(rssDescendants)} MiB descendants only; demo process ${mib(nodeRss)} MiB`, ratio: (rss / nodeRss).toFixed(1), goal: '< 1024 MiB' },
      { bench: 'demo: 8 members idle, PSS (shared pages counted once)', value: `${mib(pss)} MiB`, baseline: `${mib(rss)} MiB summed RSS`, ratio: (pss / rss).toFixed(2), goal: '' },
      { bench: `demo: 8 members idle, CPU over ${windowS.toFixed(0)} s`, value: `${pct(totalCpu).toFixed(1)} % of a core`, baseline: `${split} %`, ratio: '', goal: '< 10 %' },
      { bench: 'demo: SIGTERM → exit, nothing left', value: `${(stopMs / 1000).toFixed(1)} s`, baseline: `${leftovers} processes left`, ratio: '', goal: '0 left' },
    ];
  } finally {
    // After a failure: a demo stops its members itself on SIGTERM, given the time.
    const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(running.map((c) => Promise.race([stopDemo(c), new Promise((r) => setTimeout(r, 30_000))])));
    rmSync(dir, { recursive: true, force: true });
  }
}
