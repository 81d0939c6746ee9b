// The operator at fleet scale: 1,000 manifests submitted at once to a sandbox
// API; time until every child object exists, API writes against the minimum
// the objects need, daemon RSS; then a steady-state window with a 1 s resync,
// where every request the daemon makes is counted by a proxy in front of the
// API. Baseline in the same run: the same child objects created directly by
// a client with the same concurrency (the floor any operator could reach).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Agent, fetch } from 'undici';
import { render } from '../src/operator/render.ts';
import { daemonFlags, firstMatch, procMiB, startSandboxApi } from './proc.ts';
import { parseConfigMapData } from '../src/operator/config/parse.ts';
import { writeKubeconfig } from '../src/sandbox/kubeconfig.ts';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 1000);
const CONCURRENCY = 16;
const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });
const REPO = join(import.meta.dirname, '..');

const rss = (pid: number) => ({ rss: procMiB(pid, 'VmRSS'), hwm: procMiB(pid, 'VmHWM') });

/** counts what the daemon asks of the API: watches opened, other reads, writes */
function countingProxy(upstream: string): Promise<{ server: Server; url: string; counts: Record<string, number>; reset(): void }> {
  const counts: Record<string, number> = {};
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const watch = /[?&]watch=(true|1)/.test(req.url ?? '');
    const kind = watch ? 'watch' : req.method === 'GET' ? 'read' : 'write';
    counts[kind] = (counts[kind] ?? 0) + 1;
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      res.flushHeaders(); // a watch answers headers first, events later
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ server, url: `http://127.0.0.1:${port}`, counts, reset: () => Object.keys(counts).forEach((k) => delete counts[k]) });
    }),
  );
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${base}${path}`, { method, dispatcher: agent, headers: { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : undefined };
}

async function pool<T>(items: T[], fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

/** counts through a one-item page, so polling stays cheap for the process that also hosts the proxy */
const count = async (base: string, path: string) => {
  const list = (await api(base, 'GET', `${path}?limit=1`)).json as { items: unknown[]; metadata: { remainingItemCount?: number } };
  return list.items.length + (list.metadata.remainingItemCount ?? 0);
};
const pathOf = (o: { apiVersion: string; kind: string; metadata: { namespace?: string } }) => {
  const plural: Record<string, string> = { Service: 'services', Secret: 'secrets', PodDisruptionBudget: 'poddisruptionbudgets', StatefulSet: 'statefulsets', ServiceAccount: 'serviceaccounts', RoleBinding: 'rolebindings', Endpoints: 'endpoints' };
  const root = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return `${root}/namespaces/${o.metadata.namespace}/${plural[o.kind]}`;
};

export async function benchOperator(): Promise<Record<string, string | number>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-op-'));
  const apiKc = join(dir, 'api.kubeconfig');
  const children: ChildProcess[] = [];
  try {
    const profile = process.env.BENCH_PROFILE_API ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_API}`] : [];
    const { child: apiChild, base } = await startSandboxApi(apiKc, profile);
    children.push(apiChild);
    for (const file of ['postgresql.yaml', 'operatorconfiguration.yaml']) {
      for (const d of parseAllDocuments(readFileSync(join(REPO, 'deploy', 'crds', file), 'utf8'))) await api(base!, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', d.toJS());
    }
    for (const ns of ['zpg-system', 'bench', 'baseline']) await api(base!, 'POST', '/api/v1/namespaces', { metadata: { name: ns } });
    const configData = { kubernetes_use_configmaps: 'true', resync_period: '30m', workers: '8' };
    await api(base!, 'POST', '/api/v1/namespaces/zpg-system/configmaps', { metadata: { name: 'postgres-operator' }, data: configData });

    const proxy = await countingProxy(base!);
    const daemonKc = join(dir, 'daemon.kubeconfig');
    writeKubeconfig(daemonKc, proxy.url);
    const daemonProfile = process.env.BENCH_PROFILE_DAEMON ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DAEMON}`] : [];
    daemonProfile.push(...daemonFlags());
    if (process.env.BENCH_HEAP_DAEMON) daemonProfile.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${process.env.BENCH_HEAP_DAEMON}`);
    const daemon = spawn(process.execPath, [...daemonProfile, join(REPO, 'bin', 'zpg.mjs'), '--daemon', '--kubeconfig', daemonKc, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, POD_NAMESPACE: 'zpg-system', CONFIG_MAP_NAME: 'postgres-operator', WATCHED_NAMESPACE: 'bench' },
    });
    children.push(daemon);
    if (process.env.BENCH_DAEMON_LOG) daemon.stdout!.pipe(createWriteStream(process.env.BENCH_DAEMON_LOG));
    const [, port] = await firstMatch(daemon, /"msg":"daemon started".*"port":(\d+)/);
    const metricsUrl = `http://127.0.0.1:${port}/metrics`;
    await firstMatch(daemon, /started leading/);
    const idleRss = rss(daemon.pid!);

    const manifest = parseAllDocuments(readFileSync(join(REPO, '..', 'shared', 'fixtures', 'zalando', 'minimal-postgres-manifest.yaml'), 'utf8'))[0]!.toJS() as { metadata: Record<string, unknown> };
    const names = Array.from({ length: CLUSTERS }, (_, i) => `acid-bench-${String(i).padStart(4, '0')}`);
    const t0 = performance.now();
    await pool(names, (name) => api(base!, 'POST', '/apis/acid.zalan.do/v1/namespaces/bench/postgresqls', { ...manifest, metadata: { name, namespace: 'bench' } }));
    const submitted = performance.now() - t0;
    // minimal manifest: 2 Services, 4 Secrets, 2 PDBs, 1 StatefulSet per cluster
    for (;;) {
      const [sts, svc, sec, pdb] = await Promise.all([
        count(base!, '/apis/apps/v1/namespaces/bench/statefulsets'),
        count(base!, '/api/v1/namespaces/bench/services'),
        count(base!, '/api/v1/namespaces/bench/secrets'),
        count(base!, '/apis/policy/v1/namespaces/bench/poddisruptionbudgets'),
      ]);
      if (sts === CLUSTERS && svc === 2 * CLUSTERS && sec === 4 * CLUSTERS && pdb === 2 * CLUSTERS) break;
      if (performance.now() - t0 > 300_000) throw new Error(`not converged after 300 s: ${sts} sts, ${svc} svc, ${sec} secrets, ${pdb} pdb`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const converged = performance.now() - t0;
    // let the queue drain (status writes trail the children)
    for (let quiet = 0; quiet < 3; ) {
      const m = await (await fetch(metricsUrl)).text();
      quiet = /^zpg_queue_depth 0$/m.test(m) ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 300));
    }
    const metrics = await (await fetch(metricsUrl)).text();
    const writesBy = [...metrics.matchAll(/^zpg_api_writes_total\{verb="([^"]+)",kind="([^"]+)"\} (\d+)$/gm)].map((m) => ({ verb: m[1]!, kind: m[2]!, n: Number(m[3]) }));
    const events = writesBy.filter((w) => w.kind === 'Event').reduce((a, w) => a + w.n, 0);
    const writes = writesBy.filter((w) => w.kind !== 'Event').reduce((a, w) => a + w.n, 0);
    const minimal = CLUSTERS * (9 + 1) + 2; // children + one status write each, plus the namespace's ServiceAccount and RoleBinding
    const busyRss = rss(daemon.pid!);
    if (process.env.BENCH_HEAP_DAEMON) {
      daemon.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 15_000));
    }
    const heapMiB = Math.round(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(metrics)![1]) / 2 ** 20);

    // steady state: resync every second, nothing changes
    await api(base!, 'PATCH', '/api/v1/namespaces/zpg-system/configmaps/postgres-operator', { data: { resync_period: '1s' } });
    await new Promise((r) => setTimeout(r, 2000));
    proxy.reset();
    const before = await (await fetch(metricsUrl)).text();
    const reconcilesBefore = Number(/^zpg_reconcile_total (\d+)$/m.exec(before)![1]);
    const WINDOW = 10_000;
    await new Promise((r) => setTimeout(r, WINDOW));
    const steady = { ...proxy.counts };
    const after = await (await fetch(metricsUrl)).text();
    const reconcilesAfter = Number(/^zpg_reconcile_total (\d+)$/m.exec(after)![1]);
    const steadyRss = rss(daemon.pid!);
    const steadyHeap = Math.round(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(after)![1]) / 2 ** 20);
    const writeLines = (m: string) => new Map([...m.matchAll(/^zpg_api_writes_total\{verb="([^"]+)",kind="([^"]+)"\} (\d+)$/gm)].map((x) => [`${x[1]} ${x[2]}`, Number(x[3])]));
    const w0 = writeLines(before);
    const steadyWrites = [...writeLines(after)].map(([k, n]) => [k, n - (w0.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
    if (steadyWrites.length > 0) console.error('steady-state writes by the daemon:', steadyWrites);

    // baseline: the same children, created directly by this process
    const objects = render(names.map((name) => ({ ...manifest, metadata: { name, namespace: 'baseline', uid: 'u' } })), parseConfigMapData(configData).config).objects;
    const b0 = performance.now();
    await pool(objects, (o) => api(base!, 'POST', pathOf(o), o.kind === 'Secret' ? { ...o, stringData: { username: 'u', password: 'p' } } : o));
    const baseline = performance.now() - b0;

    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    proxy.server.close();
    return [
      { bench: `operator: ${CLUSTERS} manifests → all children exist`, value: `${(converged / 1000).toFixed(1)} s`, baseline: `${(baseline / 1000).toFixed(1)} s direct creates (${objects.length} objects)`, ratio: (converged / baseline).toFixed(2), goal: '< 20 s' },
      { bench: `operator: submit ${CLUSTERS} manifests`, value: `${(submitted / 1000).toFixed(1)} s`, baseline: '', ratio: '', goal: '' },
      { bench: 'operator: API writes (objects + status)', value: writes, baseline: `${minimal} minimal`, ratio: (writes / minimal).toFixed(3), goal: '≤ 1.05' },
      { bench: 'operator: events written', value: events, baseline: `${CLUSTERS} clusters`, ratio: (events / CLUSTERS).toFixed(1), goal: '' },
      { bench: 'operator: daemon RSS idle → after', value: `${idleRss.rss} → ${busyRss.rss} MiB (peak ${busyRss.hwm}, heap ${heapMiB})`, baseline: '', ratio: '', goal: '< 200 MB' },
      {
        bench: `operator: steady ${WINDOW / 1000} s, resync 1 s`,
        value: `${steady.read ?? 0} reads, ${steady.write ?? 0} writes, ${steady.watch ?? 0} new watches`,
        baseline: `${reconcilesAfter - reconcilesBefore} reconciles; RSS ${steadyRss.rss} MiB, heap ${steadyHeap}`,
        ratio: '',
        goal: '0 reads, 0 writes',
      },
    ];
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
