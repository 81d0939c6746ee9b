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

/** the Events (with their counts) on the manifests the daemon refused, per such manifest */
async function toldPerRefused(base: string): Promise<{ refused: number; perManifest: number }> {
  const pgs = ((await api(base, 'GET', postgresqls)).json as { items: { metadata: { name: string }; status?: { PostgresClusterStatus?: string } }[] }).items;
  const failed = new Set(pgs.filter((p) => p.status?.PostgresClusterStatus === 'CreateFailed').map((p) => p.metadata.name));
  const events = ((await api(base, 'GET', `/api/v1/namespaces/${NS}/events`)).json as { items: { involvedObject?: { name?: string }; count?: number }[] }).items;
  const told = events.filter((e) => failed.has(e.involvedObject?.name ?? '')).reduce((n, e) => n + (e.count ?? 1), 0);
  return { refused: failed.size, perManifest: failed.size ? told / failed.size : 0 };
}

/** the daemon's own tallies from /metrics: API writes (all, and Event creates/patches) and reconciles */
async function daemonCounts(url: string): Promise<{ writes: number; events: number; reconciles: number }> {
  const text = await (await fetch(url, { signal: AbortSignal.timeout(30_000) })).text();
  const sum = (re: RegExp) => [...text.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    // the Lease renewals go on whatever the manifests are
    writes: sum(/^zpg_api_writes_total\{[^}]*\} (\d+)/gm) - sum(/^zpg_api_writes_total\{[^}]*kind="Lease"[^}]*\} (\d+)/gm),
    events: sum(/^zpg_api_writes_total\{[^}]*kind="Event"[^}]*\} (\d+)/gm),
    reconciles: sum(/^zpg_reconcile_total (\d+)/gm),
  };
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
    // BENCH_FLOOD_PROF=DIR writes the daemon's CPU profile there (node --cpu-prof), to see where the flood's time goes
    const prof = process.env.BENCH_FLOOD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_FLOOD_PROF}`] : [];
    const daemon = spawn(process.execPath, [...prof, '--max-semi-space-size=2', '--max-old-space-size=160', join(REPO, 'bin', 'zpg.mjs'), '--daemon', '--kubeconfig', apiKc, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, POD_NAMESPACE: 'zpg-system', CONFIG_MAP_NAME: 'postgres-operator', WATCHED_NAMESPACE: NS },
    });
    children.push(daemon);
    const started = await firstMatch(daemon, /"port":(\d+)[\s\S]*?started leading|started leading[\s\S]*?"port":(\d+)/);
    const metricsUrl = `http://127.0.0.1:${started[1] ?? started[2]}/metrics`;

    const valid = loadFixture('minimal-postgres-manifest.yaml')[0]!;
    const validNamed = (name: string) => ({ ...valid, metadata: { name, namespace: NS } });
    const submit = (name: string, at: Map<string, number>) => () => api(base!, 'POST', postgresqls, validNamed(name)).then(() => at.set(name, performance.now()));
    const alone = new Map(Array.from({ length: VALID }, (_, i) => [`acid-alone-${i}`, 0]));
    const [aloneMs] = await Promise.all([converge(base!, alone), pool([...alone.keys()], (name) => submit(name, alone)())]);
    await new Promise((r) => setTimeout(r, 2000));
    const rssBefore = procMiB(daemon.pid!, 'VmRSS');
    const before = await daemonCounts(metricsUrl);

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
    const after = alive ? await daemonCounts(metricsUrl) : undefined;
    // What the bad manifests cost the daemon: its writes and reconciles in the flood, less what the valid
    // clusters cost alone (the same count of the same manifest), per bad manifest that reached it.
    const reached = BAD - refused;
    const refusedByDaemon = await toldPerRefused(base!);
    const perBad = (k: 'writes' | 'events' | 'reconciles') => (after ? ((after[k] - before[k] - before[k]) / reached).toFixed(2) : 'n/a');

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    return [
      { bench: `flood: ${VALID} valid clusters converge amid ${BAD} bad manifests (${refused} refused by the API)`, value: `${Math.round(floodMs)} ms mean`, baseline: `${Math.round(aloneMs)} ms alone`, ratio: (floodMs / aloneMs).toFixed(2), goal: '≤ 1.2' },
      { bench: `flood: Warning events per manifest the daemon refused (${refusedByDaemon.refused} CreateFailed)`, value: refusedByDaemon.perManifest.toFixed(2), baseline: '', ratio: '', goal: '1' },
      { bench: `flood: daemon's API writes per bad manifest that reached it (${reached}; those only warned about build a cluster)`, value: perBad('writes'), baseline: `${(before.writes / VALID).toFixed(1)} per valid cluster`, ratio: '', goal: '' },
      { bench: '  of which Events', value: perBad('events'), baseline: `${(before.events / VALID).toFixed(1)} per valid cluster`, ratio: '', goal: '' },
      { bench: `flood: reconciles per bad manifest (until ${SETTLE_MS / 1000} s after)`, value: perBad('reconciles'), baseline: `${(before.reconciles / VALID).toFixed(1)} per valid cluster`, ratio: '', goal: '' },
      { bench: `flood: daemon RSS ${SETTLE_MS / 1000} s after the flood`, value: `${rssAfter} MiB${alive ? '' : ' (daemon died)'}`, baseline: `${rssBefore} MiB before`, ratio: (rssAfter / rssBefore).toFixed(2), goal: '≤ 1.3' },
    ];
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
