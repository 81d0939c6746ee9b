// What the built `zpg list` and `zpg status` load when they run: not
// client-node, Ink/React or the AWS SDK (whole seconds of module loading on a
// busy machine), not every command's module, and no ES import of a built-in
// that drags Node's bundled undici in (`import ... from 'node:http'` does).
// A static import added anywhere on these paths makes this fail.
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { ZPG } from '../helpers/zpg.ts';

let t: TestApi;
let hook: string;

// Records every module zpg resolves (ESM and require) and the built-ins Node loaded, without importing
// anything itself: an ES import here would load what the test looks for.
const HOOK = `
const seen = [];
process.getBuiltinModule('node:module').registerHooks({
  resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; },
});
process.on('exit', () => process.getBuiltinModule('node:fs').writeFileSync(process.env.ZPG_TRACE_OUT, JSON.stringify({ urls: seen, builtins: process.moduleLoadList })));
`;

interface Trace {
  code: number | null;
  stdout: string;
  stderr: string;
  urls: string[];
  builtins: string[];
}

function traced(args: string[], name: string, env: NodeJS.ProcessEnv = {}): Promise<Trace> {
  const out = join(t.dir, `${name}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hook, ZPG, '--kubeconfig', t.kubeconfig, ...args], { env: { ...process.env, ...env, ZPG_TRACE_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000); // a guard against a hang, not a wait
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ...(JSON.parse(readFileSync(out, 'utf8')) as { urls: string[]; builtins: string[] }) });
    });
  });
}

/** Libraries reached: packages resolved from node_modules, and those bundled into the dist chunks that loaded. */
function libraries(tr: Trace): string[] {
  const found = new Set<string>();
  for (const url of tr.urls) {
    if (!url.startsWith('file:')) continue;
    const path = fileURLToPath(url);
    const pkg = path.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
    if (pkg) found.add(pkg[1]);
    else if (path.includes('/dist/')) for (const m of readFileSync(path, 'utf8').matchAll(/^\/\/ (?:[./]*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) found.add(m[1]);
  }
  return [...found].sort();
}

const HEAVY = ['@kubernetes/client-node', 'ink', 'react', 'react-reconciler', 'yoga-layout', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'pg', 'ws', 'undici', 'prom-client', 's3rver'];
const commandModules = (tr: Trace) => tr.urls.map((u) => u.match(/\/dist\/chunks\/([a-z-]+)-[A-Z0-9]{8}\.mjs$/)?.[1]).filter((n) => n && !n.startsWith('chunk'));

beforeAll(async () => {
  t = await startTestApi();
  hook = join(t.dir, 'trace-hook.cjs');
  writeFileSync(hook, HOOK);
  await t.kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: loadFixture('postgresql.crd.yaml')[0] as unknown as k8s.V1CustomResourceDefinition });
  await t.kc
    .makeApiClient(k8s.CustomObjectsApi)
    .createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', body: loadFixture('minimal-postgres-manifest.yaml')[0] });
}, 60_000);
afterAll(async () => t?.close());

describe('start-up: what the one-shot commands load', () => {
  it('zpg list loads its own module and the lite client only', async () => {
    const tr = await traced(['list', '-A'], 'list');
    expect(tr.stderr).toBe('');
    expect(tr.stdout).toMatch(/^NAMESPACE\s+NAME.*\ndefault\s+acid-minimal-cluster\s/);
    expect(libraries(tr).filter((l) => HEAVY.includes(l))).toEqual([]);
    expect(commandModules(tr)).toEqual(expect.arrayContaining(['list', 'lite-command', 'snapshot']));
    expect(commandModules(tr).filter((n) => !['list', 'lite-command', 'snapshot'].includes(n!))).toEqual([]);
    // the ESM facade of node:http reads its WebSocket getters, which load Node's own undici
    expect(tr.builtins.filter((b) => /undici|internal\/fs\/promises/.test(b))).toEqual([]);
    // a plain kubeconfig is read without the yaml library's fallback from node_modules
    expect(tr.urls.filter((u) => u.includes('node_modules/yaml/'))).toEqual([]);
  }, 60_000);

  it('zpg status stays off client-node, Ink and the AWS SDK too', async () => {
    const tr = await traced(['status', 'acid-minimal-cluster', '-o', 'json', '--no-replication'], 'status');
    expect(tr.code, tr.stderr).toBe(0);
    expect(JSON.parse(tr.stdout)).toMatchObject({ name: 'acid-minimal-cluster' });
    // ws is status's own: Patroni's REST API over a port-forward
    expect(libraries(tr).filter((l) => HEAVY.includes(l) && l !== 'ws')).toEqual([]);
    expect(commandModules(tr)).not.toEqual(expect.arrayContaining(['list']));
  }, 60_000);

  it('zpg psql loads no YAML library when there is no user config file, and reads one when there is', async () => {
    const none = await traced(['psql', 'acid-minimal-cluster', '--', '-c', 'select 1'], 'psql', { ZPG_CONFIG: join(t.dir, 'absent.yaml') });
    // the cluster has no pods: psql says so, after the same start-up a real session has
    expect(none.stderr).toMatch(/acid-minimal-cluster/);
    expect(libraries(none).filter((l) => HEAVY.includes(l) || l === 'yaml')).toEqual([]);
    const file = join(t.dir, 'ro.yaml');
    writeFileSync(file, 'readOnly: true\n');
    const ro = await traced(['psql', 'acid-minimal-cluster'], 'psql-ro', { ZPG_CONFIG: file });
    expect(ro.code).toBe(3);
    expect(ro.stderr).toBe(`zpg: psql refused: zpg is read-only (readOnly: true in ${file}); psql can change the cluster\n`);
    expect(libraries(ro)).toContain('yaml');
  }, 60_000);

  it('zpg --help still lists every command', async () => {
    const tr = await traced(['--help'], 'help');
    expect(tr.code).toBe(0);
    for (const c of ['demo', 'list', 'status', 'history', 'psql', 'patronictl', 'switchover', 'failover', 'restart', 'reinit', 'pause', 'resume', 'recreate-member', 'backups', 'backup', 'restore', 'render', 'sandbox']) {
      expect(tr.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    }
  }, 60_000);
});
