// Sandbox API throughput: 10,000 creates with 5 open watches, then lists.
// The baseline is a bare node:http server that parses and echoes the same
// JSON bodies in the same run, so the ratio shows what the API's semantics cost.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { firstMatch, procMiB } from './proc.ts';

const OBJECTS = Number(process.env.BENCH_OBJECTS ?? 10_000);
const CONCURRENCY = 16;
const WATCHES = 5;

const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 30_000 });

const rssMiB = (pid: number) => procMiB(pid, 'VmRSS');

async function startChild(args: string[], ready: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, url] = await firstMatch(child, ready);
  return { child, url: url! };
}

const BASELINE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
    const text = JSON.stringify(body);
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
});
s.listen(0, '127.0.0.1', () => console.log('listening http://127.0.0.1:' + s.address().port));
`;

function configMap(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
    data: { index: String(i), payload: 'x'.repeat(200) },
  };
}

async function createAll(base: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < OBJECTS) {
      const i = next++;
      const r = await fetch(`${base}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        body: JSON.stringify(configMap(i)),
        headers: { 'content-type': 'application/json' },
        dispatcher: agent,
      });
      if (r.status !== 201) throw new Error(`create ${i}: HTTP ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - started;
}

/** Opens a watch and resolves when it has seen `count` ADDED events. */
async function watchUntil(base: string, count: number): Promise<{ done: Promise<number> }> {
  const r = await fetch(`${base}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1`, { dispatcher: new Agent() });
  const started = performance.now();
  const done = (async () => {
    let seen = 0;
    let buf = '';
    for await (const chunk of r.body!) {
      buf += Buffer.from(chunk).toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        if (buf.slice(0, nl).startsWith('{"type":"ADDED"')) seen++;
        buf = buf.slice(nl + 1);
      }
      if (seen >= count) break;
    }
    return performance.now() - started;
  })();
  return { done };
}

async function timeList(url: string): Promise<{ ms: number; items: number }> {
  const t0 = performance.now();
  const r = await fetch(url, { dispatcher: agent });
  const body = (await r.json()) as { items: unknown[] };
  return { ms: performance.now() - t0, items: body.items.length };
}

async function timePagedList(base: string): Promise<{ ms: number; items: number; pages: number }> {
  const t0 = performance.now();
  let items = 0;
  let pages = 0;
  let cont = '';
  do {
    const r = await fetch(`${base}/api/v1/namespaces/default/configmaps?limit=500${cont ? `&continue=${cont}` : ''}`, { dispatcher: agent });
    const body = (await r.json()) as { items: unknown[]; metadata: { continue?: string } };
    items += body.items.length;
    pages++;
    cont = body.metadata.continue ?? '';
  } while (cont);
  return { ms: performance.now() - t0, items, pages };
}

export async function benchApi(): Promise<Record<string, string | number>[]> {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-bench-'));
  const rows: Record<string, string | number>[] = [];
  try {
    const base = await startChild(['-e', BASELINE_SERVER], /listening (\S+)/);
    const baselineMs = await createAll(base.url);
    base.child.kill();

    const api = await startChild(
      ['bin/zpg.mjs', 'sandbox', 'api', '--kubeconfig', join(dir, 'kubeconfig')],
      /serving at (\S+)/,
    );
    const rssIdle = rssMiB(api.child.pid!);
    const watches = await Promise.all(Array.from({ length: WATCHES }, () => watchUntil(api.url, OBJECTS)));
    const createMs = await createAll(api.url);
    const watchMs = Math.max(...(await Promise.all(watches.map((w) => w.done))));
    const rssLoaded = rssMiB(api.child.pid!);
    const full = await timeList(`${api.url}/api/v1/namespaces/default/configmaps`);
    const selected = await timeList(`${api.url}/api/v1/namespaces/default/configmaps?labelSelector=shard%3D3`);
    const paged = await timePagedList(api.url);
    api.child.kill('SIGTERM');

    const perSec = (ms: number) => Math.round((OBJECTS / ms) * 1000);
    rows.push(
      { bench: 'api', metric: `create ${OBJECTS} configmaps, ${CONCURRENCY} clients, ${WATCHES} watches`, value: `${perSec(createMs)}/s`, baseline: `${perSec(baselineMs)}/s (bare node:http echo)`, ratio: (createMs / baselineMs).toFixed(2) + 'x time' },
      { bench: 'api', metric: `all ${WATCHES} watches saw every create`, value: `${Math.round(watchMs)} ms`, baseline: `${Math.round(createMs)} ms (creates)`, ratio: (watchMs / createMs).toFixed(2) },
      { bench: 'api', metric: `list ${full.items} objects`, value: `${Math.round(full.ms)} ms`, baseline: '', ratio: '' },
      { bench: 'api', metric: `list by label (${selected.items} items)`, value: `${Math.round(selected.ms)} ms`, baseline: '', ratio: '' },
      { bench: 'api', metric: `paged list (${paged.pages} pages of 500)`, value: `${Math.round(paged.ms)} ms`, baseline: `${Math.round(full.ms)} ms (one list)`, ratio: (paged.ms / full.ms).toFixed(2) },
      { bench: 'api', metric: 'server RSS idle -> loaded', value: `${rssIdle} -> ${rssLoaded} MiB`, baseline: '', ratio: '' },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
