// The console's costs, each beside a baseline from the same run:
// - the built binary in a pseudo-terminal (script(1), 120x40) against a
//   sandbox API: time to the first frame (baseline: `node -e 0` through the
//   same pseudo-terminal) and to the first frame with the clusters in it;
//   then bytes written and CPU used while idle for 5 s;
// - in process, Ink writing to a counting 120x40 terminal: bytes for a
//   one-cell update (baseline: the full frame), and the time from a store
//   update to the frame written with 1,000 clusters and 3,000 members
//   (baseline: the same update with the demo's 2 clusters).
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Change, ZpgStore } from '../src/store/store.ts';
import { startSandboxApi } from './proc.ts';
import { median } from './stats.ts';

const REPO = join(import.meta.dirname, '..');
const ZPG = join(REPO, 'bin', 'zpg.mjs');
const COLS = 120;
const ROWS = 40;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

type Row = Record<string, string | number>;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- fixtures -------------------------------------------------------------

function pod(cluster: string, i: number, ns: string, xlog = 1000) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${cluster}-${i}`,
      namespace: ns,
      labels: { application: 'spilo', 'cluster-name': cluster, 'spilo-role': i === 0 ? 'master' : 'replica' },
      annotations: { status: JSON.stringify({ role: i === 0 ? 'master' : 'replica', state: 'running', timeline: 1, xlog_location: i === 0 ? 1000 : xlog }) },
    },
    spec: { containers: [{ name: 'postgres', image: 'spilo' }] },
    status: { phase: 'Running', podIP: `10.0.${i}.1`, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function postgresql(name: string, ns: string, instances: number) {
  return {
    apiVersion: 'acid.zalan.do/v1',
    kind: 'postgresql',
    metadata: { name, namespace: ns, creationTimestamp: new Date(Date.now() - 3_600_000).toISOString() },
    spec: { teamId: 'acid', numberOfInstances: instances, volume: { size: '1Gi' }, postgresql: { version: '15' } },
    status: { PostgresClusterStatus: 'Running' },
  };
}

/** `clusters` clusters of `members` members each, as the feeds would fill the store. */
async function fleetStore(clusters: number, members: number): Promise<ZpgStore> {
  const { createZpgStore } = await import('../src/store/store.ts');
  const store = createZpgStore({ name: 'bench', namespace: 'default', allNamespaces: false });
  const changes: Change[] = [];
  for (let c = 0; c < clusters; c++) {
    const name = `acid-${String(c).padStart(4, '0')}`;
    changes.push({ op: 'upsert', kind: 'postgresqls', obj: postgresql(name, 'default', members) });
    for (let i = 0; i < members; i++) changes.push({ op: 'upsert', kind: 'pods', obj: pod(name, i, 'default') });
  }
  store.getState().apply(changes);
  return store;
}

// ---- a terminal in process --------------------------------------------------

class CountingStdout extends EventEmitter {
  readonly isTTY = true;
  readonly columns = COLS;
  readonly rows = ROWS;
  bytes = 0;
  writes = 0;
  first = '';
  write(data: string | Uint8Array, enc?: unknown, cb?: unknown): boolean {
    const n = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.bytes += n;
    this.writes++;
    if (!this.first) this.first = String(data);
    this.emit('wrote', n);
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }
  next(): Promise<void> {
    return new Promise((r) => this.once('wrote', () => r()));
  }
}

class QuietStdin extends EventEmitter {
  readonly isTTY = true;
  read(): null {
    return null;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

async function quiet(out: CountingStdout, ms = 150): Promise<void> {
  let last = -1;
  while (last !== out.bytes) {
    last = out.bytes;
    await sleep(ms);
  }
}

async function mounted(store: ZpgStore) {
  const [{ mountConsole }, chalk] = await Promise.all([import('../src/ui/run.tsx'), import('chalk')]);
  chalk.default.level = 1; // 16 colours, as on a plain xterm, whatever this process's stdout is
  const stdout = new CountingStdout();
  const instance = mountConsole(store, { setNamespace: () => {} }, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: new QuietStdin() as unknown as NodeJS.ReadStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    look: { plain: false },
    patchConsole: false,
  });
  await quiet(stdout);
  return { stdout, unmount: () => instance.unmount() };
}

/** Store update → frame written, for `n` updates spaced past Ink's 30 fps throttle (so each renders at once). */
async function updateTimes(store: ZpgStore, stdout: CountingStdout, n: number, change: (i: number) => void): Promise<{ ms: number[]; cpu: number[]; bytes: number[] }> {
  const ms: number[] = [];
  const cpu: number[] = [];
  const bytes: number[] = [];
  const warmup = 10; // let the JIT settle; these are not counted
  for (let i = 0; i < n + warmup; i++) {
    await sleep(60);
    const before = stdout.bytes;
    const wrote = stdout.next();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    change(i);
    await wrote;
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    await quiet(stdout, 60);
    if (i < warmup) continue;
    ms.push(wall);
    cpu.push((c.user + c.system) / 1000);
    bytes.push(stdout.bytes - before);
  }
  return { ms, cpu, bytes };
}

/** A replica's WAL position moves: its cluster's LAG cell changes (0 ↔ 2M), nothing else. */
function lagFlip(store: ZpgStore, cluster: string) {
  return (i: number) => store.getState().upsert('pods', pod(cluster, 1, 'default', i % 2 ? 1000 : 1000 - 2 * 1048576));
}

async function inProcess(): Promise<Row[]> {
  const small = await fleetStore(2, 3);
  const a = await mounted(small);
  const full = a.stdout.bytes;
  const cell = await updateTimes(small, a.stdout, 20, lagFlip(small, 'acid-0001'));
  a.unmount();

  const fleet = await fleetStore(1000, 3);
  const t0 = performance.now();
  const b = await mounted(fleet);
  const firstFleet = performance.now() - t0;
  const big = await updateTimes(fleet, b.stdout, 30, lagFlip(fleet, 'acid-0003'));
  // A change to a cluster off screen costs the derivation, not the drawing: nothing is written.
  const before = b.stdout.bytes;
  lagFlip(fleet, 'acid-0900')(1);
  await sleep(300);
  const offscreen = b.stdout.bytes - before;
  b.unmount();
  return [
    { bench: `console: bytes for a one-cell update at ${COLS}x${ROWS}`, value: `${median(cell.bytes)} B`, baseline: `${full} B full frame`, ratio: (median(cell.bytes) / full).toFixed(3), goal: '< 1 KB' },
    {
      bench: 'console: store update → frame, 1,000 clusters / 3,000 members',
      value: `${median(big.ms).toFixed(1)} ms (p95 ${p95(big.ms).toFixed(1)}, CPU ${median(big.cpu).toFixed(1)})`,
      baseline: `${median(cell.ms).toFixed(1)} ms with 2 clusters`,
      ratio: (median(big.ms) / median(cell.ms)).toFixed(2),
      goal: '< 16 ms',
    },
    { bench: 'console: first frame, 1,000 clusters in the store', value: `${firstFleet.toFixed(0)} ms`, baseline: '', ratio: '', goal: '' },
    { bench: 'console: off-screen cluster update, 1,000 clusters', value: `${offscreen} B`, baseline: '', ratio: '', goal: '0 B' },
  ];
}

// ---- the built binary in a pseudo-terminal -----------------------------------

/** Everything a child printed, and waits for a pattern in it (whenever it arrived). */
export function tap(child: ChildProcess, timeoutMs = 20_000) {
  let out = '';
  let bytes = 0;
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    bytes += d.length;
    for (const w of waiters) w();
  });
  return {
    get bytes() {
      return bytes;
    },
    until(re: RegExp): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!re.test(out)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(out);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${re} within ${timeoutMs} ms: ${out.slice(-500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** script(1) gives the command a pseudo-terminal; stty sizes it, as a terminal window would. */
export const started = new Set<ChildProcess>();
export function inPty(command: string): ChildProcess {
  const c = spawn('script', ['-qfec', `stty cols ${COLS} rows ${ROWS}; exec ${command}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TERM: 'xterm-256color' } });
  started.add(c);
  c.once('exit', () => started.delete(c));
  return c;
}

export const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (1/100 s)
}

export function childOf(pid: number): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(d);
    } catch {
      // gone
    }
  }
  return undefined;
}

export async function seedApi(base: string): Promise<void> {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  };
  const crd = parseAllDocuments(readFileSync(join(REPO, 'deploy', 'crds', 'postgresql.yaml'), 'utf8'))[0].toJS();
  await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  await sleep(200);
  for (const [name, n] of [['acid-demo', 3], ['acid-small', 2]] as const) {
    await post('/apis/acid.zalan.do/v1/namespaces/default/postgresqls', postgresql(name, 'default', n));
    for (let i = 0; i < n; i++) await post('/api/v1/namespaces/default/pods', pod(name, i, 'default'));
  }
}

async function binary(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-console-'));
  const kc = join(dir, 'kubeconfig');
  const { child: api, base } = await startSandboxApi(kc);
  try {
    await seedApi(base);

    const baseline: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const c = inPty(`'${process.execPath}' -e 0`);
      c.stdout!.resume();
      await exited(c);
      baseline.push(performance.now() - t0);
    }

    const first: number[] = [];
    const data: number[] = [];
    let idle: { bytes: number; cpu: number } | undefined;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const c = inPty(`'${process.execPath}' '${ZPG}' --kubeconfig '${kc}'`);
      const out = tap(c);
      await out.until(/ns default/); // the header: the first frame
      const tFirst = performance.now() - t0;
      await out.until(/acid-small/);
      const tData = performance.now() - t0;
      if (i === 0) {
        // The first run warms the disk cache; it measures idle instead.
        await sleep(1500);
        const node = childOf(c.pid!);
        const bytes0 = out.bytes;
        const cpu0 = node ? cpuTicks(node) : NaN;
        await sleep(5000);
        const cpu1 = node ? cpuTicks(node) : NaN;
        idle = { bytes: out.bytes - bytes0, cpu: ((cpu1 - cpu0) / 100 / 5) * 100 };
      } else {
        first.push(tFirst);
        data.push(tData);
      }
      c.stdin!.write('q');
      await Promise.race([exited(c), sleep(3000).then(() => c.kill('SIGKILL'))]);
    }
    return [
      { bench: 'console: start → first frame (built zpg, pty)', value: `${median(first).toFixed(0)} ms`, baseline: `${median(baseline).toFixed(0)} ms node -e 0`, ratio: (median(first) / median(baseline)).toFixed(2), goal: '< 500 ms' },
      { bench: 'console: start → clusters on screen', value: `${median(data).toFixed(0)} ms`, baseline: `${median(first).toFixed(0)} ms first frame`, ratio: (median(data) / median(first)).toFixed(2), goal: '' },
      { bench: 'console: idle 5 s, clusters view: bytes written', value: `${idle!.bytes} B`, baseline: '', ratio: '', goal: '0 B' },
      { bench: 'console: idle 5 s, clusters view: CPU', value: `${idle!.cpu.toFixed(2)} %`, baseline: '', ratio: '', goal: '~0 %' },
    ];
  } finally {
    for (const c of started) c.kill('SIGKILL');
    api.kill('SIGTERM');
    await exited(api);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** BENCH_CONSOLE=binary or =inprocess runs one half. */
export async function benchConsole(): Promise<Row[]> {
  // As the bundle has it for the binary: React's production build, before React loads.
  process.env.NODE_ENV ??= 'production';
  const parts = (process.env.BENCH_CONSOLE ?? 'binary,inprocess').split(',');
  return [...(parts.includes('binary') ? await binary() : []), ...(parts.includes('inprocess') ? await inProcess() : [])];
}
