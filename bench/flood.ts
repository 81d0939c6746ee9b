// The daemon under a flood of bad manifests (BENCH=flood): 10 valid clusters
// converge alone first (the baseline), then 10 more while 600 seeded bad
// manifests from test/helpers/bad-manifests.ts are submitted alongside.
// Reported: the valid clusters' convergence time against the baseline, and
// the daemon's RSS a minute after the flood against its RSS before it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { badManifests } from '../test/helpers/bad-manifests.ts';
import { loadFixture } from '../test/helpers/fixtures.ts';
import { firstMatch, procMiB } from './proc.ts';

const REPO = join(import.meta.dirname, '..');
const NS = 'flood';
const VALID = 10;
const BAD = Number(process.env.BENCH_FLOOD_BAD ?? 600);
const SETTLE_MS = Number(process.env.BENCH_FLOOD_SETTLE_MS ?? 60_000);
const CONCURRENCY = 8;

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function pool<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

const postgresqls = `/apis/acid.zalan.do/v1/namespaces/${NS}/postgresqls`;

/**
 * Mean ms from each cluster's submission until it has its StatefulSet and the
 * status the daemon writes after its children (polled every 50 ms).
 */
async function converge(base: string, submitted: Map<string, number>): Promise<number> {
  const pending = new Set(submitted.keys());
  const took: number[] = [];
  const start = performance.now();
  while (pending.size > 0) {
    for (const name of [...pending]) {
      if (!submitted.get(name)) continue; // not submitted yet
      const sts = await api(base, 'GET', `/apis/apps/v1/namespaces/${NS}/statefulsets/${name}`);
      const pg = (await api(base, 'GET', `${postgresqls}/${name}`)).json as { status?: { PostgresClusterStatus?: string } };
      if (sts.status === 200 && pg.status?.PostgresClusterStatus === 'Creating') {
        pending.delete(name);
        took.push(performance.now() - submitted.get(name)!);
      }
    }
    if (performance.now() - start > 180_000) throw new Error(`not converged after 180 s: ${[...pending].join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return took.reduce((a, b) => a + b, 0) / took.length;
}

export async function benchFlood(): Promise<Record<string, string | number>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-flood-'));
  const children: ChildProcess[] = [];
  try {
    const apiKc = join(dir, 'api.kubeconfig');
    const apiChild = spawn(process.execPath, [join(REPO, 'bin', 'zpg.mjs'), 'sandbox', 'api', '--kubeconfig', apiKc], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(apiChild);
    const [, base] = await firstMatch(apiChild, /serving at (http:\/\/127\.0\.0\.1:\d+)/);
    for (const d of parseAllDocuments(readFileSync(join(REPO, 'deploy', 'crds', 'postgresql.yaml'), 'utf8'))) await api(base!, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', d.toJS());
    for (const ns of ['zpg-system', NS]) await api(base!, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await api(base!, 'POST', '/api/v1/namespaces/zpg-system/configmaps', { metadata: { name: 'postgres-operator' }, data: { kubernetes_use_configmaps: 'true', workers: '8' } });
    const daemon = spawn(process.execPath, ['--max-semi-space-size=2', '--max-old-space-size=160', join(REPO, 'bin', 'zpg.mjs'), '--daemon', '--kubeconfig', apiKc, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, POD_NAMESPACE: 'zpg-system', CONFIG_MAP_NAME: 'postgres-operator', WATCHED_NAMESPACE: NS },
    });
    children.push(daemon);
    await firstMatch(daemon, /started leading/);

    const valid = loadFixture('minimal-postgres-manifest.yaml')[0]!;
    const validNamed = (name: string) => ({ ...valid, metadata: { name, namespace: NS } });
    const submit = (name: string, at: Map<string, number>) => () => api(base!, 'POST', postgresqls, validNamed(name)).then(() => at.set(name, performance.now()));
    const alone = new Map(Array.from({ length: VALID }, (_, i) => [`acid-alone-${i}`, 0]));
    const [aloneMs] = await Promise.all([converge(base!, alone), pool([...alone.keys()], (name) => submit(name, alone)())]);
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = procMiB(daemon.pid!, 'VmRSS');

    const flooded = new Map(Array.from({ length: VALID }, (_, i) => [`acid-flood-${i}`, 0]));
    const statuses: number[] = [];
    const work: (() => Promise<unknown>)[] = badManifests(BAD, 20261204, NS).map((c) => () => api(base!, 'POST', postgresqls, c.manifest).then((r) => statuses.push(r.status)));
    // the valid ones spread through the flood, not ahead of it
    [...flooded.keys()].forEach((name, i) => work.splice(Math.floor(((i + 1) * work.length) / (VALID + 1)), 0, submit(name, flooded)));
    const [floodMs] = await Promise.all([converge(base!, flooded), pool(work, (w) => w())]);
    const refused = statuses.filter((s) => s === 422).length;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const rssAfter = procMiB(daemon.pid!, 'VmRSS');
    const alive = daemon.exitCode === null;

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    return [
      { bench: `flood: ${VALID} valid clusters converge amid ${BAD} bad manifests (${refused} refused by the API)`, value: `${Math.round(floodMs)} ms mean`, baseline: `${Math.round(aloneMs)} ms alone`, ratio: (floodMs / aloneMs).toFixed(2), goal: '≤ 1.2' },
      { bench: `flood: daemon RSS ${SETTLE_MS / 1000} s after the flood`, value: `${rssAfter} MiB${alive ? '' : ' (daemon died)'}`, baseline: `${rssBefore} MiB before`, ratio: (rssAfter / rssBefore).toFixed(2), goal: '≤ 1.3' },
    ];
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
