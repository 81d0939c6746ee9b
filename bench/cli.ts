// BENCH=cli: the one-shot commands and the console's first data against
// `kubectl get postgresql -A`, alternating in the same run against the same
// sandbox API (goal: within 1.5x); and the console's memory in the list and
// log views. The compile cache of bin/zpg.mjs is warm after the first run,
// as it is for anyone who runs zpg twice.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childOf, exited, inPty, seedApi, started, tap } from './console.ts';
import { procMiB } from './proc.ts';
import { median } from './stats.ts';

const REPO = join(import.meta.dirname, '..');
const ZPG = join(REPO, 'bin', 'zpg.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Row = Record<string, string | number>;

const KUBECTL = [join(REPO, '.tools', 'bin', 'kubectl'), '/usr/local/bin/kubectl', '/usr/bin/kubectl'].find((p) => existsSync(p)) ?? 'kubectl';

async function timed(file: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  await run(file, args, { maxBuffer: 64 << 20 });
  return performance.now() - t0;
}

export async function benchCli(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-cli-'));
  const kc = join(dir, 'kubeconfig');
  const api = spawn(process.execPath, [ZPG, 'sandbox', 'api', '--kubeconfig', kc], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = (await tap(api).until(/serving at (http:\/\/127\.0\.0\.1:\d+)/)).match(/serving at (\S+)/)![1];
    await seedApi(base);
    const times: Record<'kubectl' | 'list' | 'status' | 'node', number[]> = { kubectl: [], list: [], status: [], node: [] };
    // one warm-up each (disk cache, compile cache), then alternate so load spikes hit all alike
    for (let i = 0; i <= RUNS; i++) {
      const k = await timed(KUBECTL, ['--kubeconfig', kc, 'get', 'postgresql', '-A']);
      const l = await timed(process.execPath, [ZPG, '--kubeconfig', kc, 'list', '-A']);
      const s = await timed(process.execPath, [ZPG, '--kubeconfig', kc, 'status', 'acid-demo', '-o', 'json']);
      // the floor any Node program stands on: how much of the ratio is Node's own start
      const n = await timed(process.execPath, ['-e', '0']);
      if (i === 0) continue;
      times.node.push(n);
      times.kubectl.push(k);
      times.list.push(l);
      times.status.push(s);
    }
    const firstData: number[] = [];
    let rss: { list: number; log: number } | undefined;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const c = inPty(`'${process.execPath}' '${ZPG}' --kubeconfig '${kc}'`);
      const out = tap(c);
      await out.until(/acid-small/);
      if (i > 0) firstData.push(performance.now() - t0);
      if (i === RUNS) {
        const node = childOf(c.pid!);
        await sleep(1000);
        const list = node ? procMiB(node, 'VmRSS') : NaN;
        c.stdin!.write('\r'); // open the first cluster
        await sleep(500);
        c.stdin!.write('\r'); // its first member's log
        await out.until(/log/);
        await sleep(1500);
        rss = { list, log: node ? procMiB(node, 'VmRSS') : NaN };
      }
      c.stdin!.write('q');
      await Promise.race([exited(c), sleep(3000).then(() => c.kill('SIGKILL'))]);
    }
    const k = median(times.kubectl);
    const row = (bench: string, ms: number): Row => ({ bench, value: `${ms.toFixed(0)} ms`, baseline: `${k.toFixed(0)} ms kubectl get postgresql -A`, ratio: (ms / k).toFixed(2), goal: '≤ 1.5' });
    return [
      row('floor: node -e 0', median(times.node)),
      row('cli: zpg list -A', median(times.list)),
      row('cli: zpg status CLUSTER -o json (Patroni out of reach)', median(times.status)),
      row('console: start → clusters on screen', median(firstData)),
      { bench: 'console: RSS, clusters view', value: `${rss?.list ?? NaN} MiB`, baseline: '', ratio: '', goal: '' },
      { bench: 'console: RSS, log view', value: `${rss?.log ?? NaN} MiB`, baseline: '', ratio: '', goal: '' },
    ];
  } finally {
    for (const c of started) c.kill('SIGKILL');
    api.kill('SIGTERM');
    await exited(api);
    rmSync(dir, { recursive: true, force: true });
  }
}
