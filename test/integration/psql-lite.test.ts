// `zpg psql` and `zpg patronictl` one-shot through the lite exec path (one pod
// list, pods/exec over zpg's own WebSocket client, no client-node) against a
// real Patroni + PostgreSQL member in the sandbox: the result of a piped -c
// query, psql's exit code as zpg's, stdin piped as psql's script and ended, a
// terminal's size, TLS with a client certificate and a token, and proof from
// the modules the process loaded that client-node stayed out.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { servePodExec } from '../../src/sandbox/kubelet/exec.ts';
import { Kubelet } from '../../src/sandbox/kubelet/kubelet.ts';
import { liveMembers, preflight } from '../../src/sandbox/patroni/member.ts';
import { execLite, type TerminalLike } from '../../src/services/kube/lite/exec.ts';
import { loadLiteKube } from '../../src/services/kube/lite/kubeconfig.ts';
import { makePki } from '../helpers/pki.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { ZPG, zpg } from '../helpers/zpg.ts';

const POD = 'pl-0';
let t: TestApi;
let kubelet: Kubelet;
let subnet: Subnet;
let tls: Server;
const root = mkdtempSync(join(tmpdir(), 'zpg-psql-lite-'));
chmodSync(root, 0o755); // members run as postgres when tests run as root
const tlsKubeconfig = join(root, 'tls-kubeconfig');
const hook = join(root, 'record-loads.mjs');

/** zpg with a hook that writes every module file it loads to `loaded` */
async function zpgRecorded(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; loaded: string[] }> {
  const loaded = join(root, `loaded-${Math.random().toString(36).slice(2)}`);
  const r = await zpg(['--kubeconfig', t.kubeconfig, ...args], { env: { NODE_OPTIONS: `--import ${hook}`, ZPG_TEST_LOADED: loaded, ZPG_CONFIG: join(root, 'none.yaml') }, timeoutMs: 120_000 });
  return { ...r, loaded: existsSync(loaded) ? readFileSync(loaded, 'utf8').split('\n').filter(Boolean) : [] };
}

/** the loaded files that carry client-node's code (the bundle keeps each module's path in a comment) */
const clientNodeIn = (files: string[]) => files.filter((u) => u.includes('@kubernetes/client-node') || readFileSync(fileURLToPath(u), 'utf8').includes('node_modules/@kubernetes/client-node/'));

/** An https front for the sandbox API that wants a client certificate and a bearer token, and passes upgrades through. */
function startTlsFront(target: URL, token: string): Promise<Server> {
  const { dir, file } = makePki(join(root, 'pki'));
  const allowed = (req: IncomingMessage) => req.headers.authorization === `Bearer ${token}`;
  const server = createHttpsServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    if (!allowed(req)) return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: 'Unauthorized' }));
    const up = httpRequest(new URL(req.url!, target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (!allowed(req)) return void socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
    const up = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`)];
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  writeFileSync(
    tlsKubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'tls',
      contexts: [{ name: 'tls', context: { cluster: 'tls', user: 'tls', namespace: 'default' } }],
      clusters: [{ name: 'tls', cluster: { server: 'https://127.0.0.1:PORT', 'certificate-authority-data': file('ca.crt').toString('base64') } }],
      users: [{ name: 'tls', user: { token, 'client-certificate': join(dir, 'client.crt'), 'client-key-data': file('client.key').toString('base64') } }],
    }),
  );
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      writeFileSync(tlsKubeconfig, readFileSync(tlsKubeconfig, 'utf8').replace('PORT', String((server.address() as AddressInfo).port)));
      resolve(server);
    }),
  );
}

beforeAll(async () => {
  const pre = preflight();
  if (!pre.ok) throw new Error(pre.message);
  writeFileSync(
    hook,
    "import { registerHooks } from 'node:module';\nimport { appendFileSync } from 'node:fs';\n" +
      "registerHooks({ load(url, ctx, next) { if (url.startsWith('file:')) appendFileSync(process.env.ZPG_TEST_LOADED, url + '\\n'); return next(url, ctx); } });\n",
  );
  t = await startTestApi();
  installCrds(t.api.registry);
  kubelet = new Kubelet(t.api.registry, { root, kubeconfig: t.kubeconfig, deleter: t.api.http.deleter, subnet: (subnet = claimSubnet(240, 249)).octet, readinessIntervalMs: 500 });
  servePodExec(t.api.http, kubelet);
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'postgres.pl.credentials' }, stringData: { username: 'postgres', password: 'su-secret' } } });
  const env = [
    { name: 'SCOPE', value: 'pl' },
    { name: 'PGUSER_SUPERUSER', value: 'postgres' },
    { name: 'PGPASSWORD_SUPERUSER', valueFrom: { secretKeyRef: { name: 'postgres.pl.credentials', key: 'password' } } },
    { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
    // one member, no failover under test: a DCS answer slowed by a loaded machine must not make it demote itself
    { name: 'SPILO_CONFIGURATION', value: JSON.stringify({ bootstrap: { dcs: { ttl: 30, loop_wait: 2, retry_timeout: 10 } } }) },
  ];
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: POD, labels: { application: 'spilo', 'cluster-name': 'pl' } }, spec: { containers: [{ name: 'postgres', image: 'spilo', env }] } } });
  await eventually('the member leads and is ready', async () => {
    const pod = await core.readNamespacedPod({ namespace: 'default', name: POD });
    return pod.metadata?.labels?.['spilo-role'] === 'master' && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, 90_000, 250);
  // Ready may come a moment before PostgreSQL takes local connections (Patroni restarts it after bootstrap)
  const k = loadLiteKube({ kubeconfig: t.kubeconfig });
  await eventually('psql answers in the pod', () => execLite(k, { namespace: 'default', pod: POD, command: ['psql', '-tAc', 'select 1'], stdout: new PassThrough(), stderr: new PassThrough() }).then((c) => c === 0), 60_000, 500);
  tls = await startTlsFront(new URL(t.api.url), 'tls-token');
}, 120_000);

afterAll(async () => {
  await new Promise((r) => (tls ? tls.close(r) : r(undefined)));
  await kubelet?.stop();
  await t?.close();
  subnet?.release();
  expect(liveMembers()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe('zpg psql / patronictl one-shot, lite path', () => {
  it("prints a -c query's result from the leader, without loading client-node", async () => {
    const r = await zpgRecorded(['psql', 'pl', '--', '-tAc', 'select 40 + 2']);
    expect(r).toMatchObject({ code: 0, stdout: '42\n', stderr: '' });
    expect(r.loaded.length).toBeGreaterThan(0);
    expect(clientNodeIn(r.loaded)).toEqual([]);
    // and the lite WebSocket client is what ran
    expect(r.loaded.some((u) => readFileSync(fileURLToPath(u), 'utf8').includes('src/services/kube/lite/websocket.ts'))).toBe(true);
  }, 120_000);

  it('delivers a large result whole before it exits (the exit does not wait for the close handshake)', async () => {
    const r = await zpgRecorded(['psql', 'pl', '--', '-tAc', 'select generate_series(1, 200000)']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.length).toBe(200_001);
    expect(lines.at(-2)).toBe('200000');
  }, 120_000);

  it("exits with psql's and patronictl's own exit codes, stderr apart", async () => {
    const bad = await zpgRecorded(['psql', 'pl', '--', '-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('division by zero');
    expect(bad.stdout).toBe('');
    const missing = await zpgRecorded(['psql', 'pl', '-d', 'nosuchdb', '--', '-c', 'select 1']);
    expect(missing.code).toBe(2); // psql: could not connect
    const usage = await zpgRecorded(['patronictl', 'pl', '--', 'no-such-command']);
    expect(usage.code).toBe(2); // click's usage error
    expect(usage.stderr).toMatch(/No such command/);
    expect(clientNodeIn([...bad.loaded, ...usage.loaded])).toEqual([]);
  }, 180_000);

  it("pipes stdin as psql's script and ends it (v5's close of stdin), so psql finishes", async () => {
    const child = spawn(process.execPath, [ZPG, '--kubeconfig', t.kubeconfig, 'psql', 'pl', '--', '-tA'], { env: { ...process.env, ZPG_CONFIG: join(root, 'none.yaml') }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdin.end('select 6 * 7;\nselect current_user;\n');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect({ code, out, err }).toEqual({ code: 0, out: '42\npostgres\n', err: '' });
  }, 120_000);

  it('names an unknown cluster and the ones that exist', async () => {
    const r = await zpgRecorded(['psql', 'nope', '--', '-c', 'select 1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('zpg: cluster "nope" not found in namespace default; clusters there: none\n');
  }, 120_000);

  it('speaks TLS with the kubeconfig CA, a client certificate and a token, for the pod list and the exec', async () => {
    const r = await zpg(['--kubeconfig', tlsKubeconfig, 'psql', 'pl', '--', '-tAc', 'select current_user'], { env: { ZPG_CONFIG: join(root, 'none.yaml') }, timeoutMs: 120_000 });
    expect(r).toMatchObject({ code: 0, stdout: 'postgres\n' });
    // the same exec refused without the token's say-so: one line, exit 1
    writeFileSync(join(root, 'bad-token'), readFileSync(tlsKubeconfig, 'utf8').replace('token: tls-token', 'token: wrong'));
    const refused = await zpg(['--kubeconfig', join(root, 'bad-token'), 'psql', 'pl', '--', '-c', 'select 1'], { env: { ZPG_CONFIG: join(root, 'none.yaml') }, timeoutMs: 120_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^zpg: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials \(401\)/);
  }, 120_000);

  it("gives the command a terminal the caller's size", async () => {
    const k = loadLiteKube({ kubeconfig: t.kubeconfig });
    const stdout = new PassThrough();
    let text = '';
    stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    const terminal: TerminalLike = { columns: 101, rows: 31, on: () => undefined, off: () => undefined };
    const code = await execLite(k, { namespace: 'default', pod: POD, command: ['sh', '-c', 'stty size; exit 3'], stdout, terminal });
    expect(code).toBe(3);
    expect(text.trim()).toBe('31 101');
  }, 60_000);
});
