// pods/exec and pods/portforward against a real Patroni + PostgreSQL member,
// with the clients nobody here wrote: kubectl 1.32 (exec over WebSocket v5;
// port-forward over SPDY tunnelled in a WebSocket, and over plain SPDY, its
// fallback) and client-node 2.0's Exec and PortForward (v4.channel.k8s.io).
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { servePodExec } from '../../src/sandbox/kubelet/exec.ts';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { Kubelet } from '../../src/sandbox/kubelet/kubelet.ts';
import { servePortForward } from '../../src/sandbox/kubelet/port-forward.ts';
import { liveMembers, preflight } from '../../src/sandbox/patroni/member.ts';
import { runKubectl, type KubectlRun } from '../helpers/kubectl.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

const POD = 'epf-0';
let t: TestApi;
let kubelet: Kubelet;
/** claimed, not fixed: another run's member on the same address would answer this test's requests */
let subnet: Subnet;
let core: k8s.CoreV1Api;
let bin: string;
const root = mkdtempSync(join(tmpdir(), 'zpg-epf-'));
chmodSync(root, 0o755); // members run as postgres when tests run as root

const env = [
  { name: 'SCOPE', value: 'epf' },
  { name: 'PGUSER_SUPERUSER', value: 'postgres' },
  { name: 'PGPASSWORD_SUPERUSER', valueFrom: { secretKeyRef: { name: 'postgres.epf.credentials', key: 'password' } } },
  { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
  // one member, no failover under test: a DCS answer slowed by a loaded machine must not make it demote itself
  { name: 'SPILO_CONFIGURATION', value: JSON.stringify({ bootstrap: { dcs: { ttl: 30, loop_wait: 2, retry_timeout: 10 } } }) },
];

/** kubectl with its HOME and cache in the test dir; extra env for its feature gates. */
function kubectl(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<KubectlRun> {
  const env = { ...process.env, HOME: t.dir, ...opts.env };
  return runKubectl(bin, ['--kubeconfig', t.kubeconfig, '--cache-dir', join(t.dir, 'kube-cache'), ...args], { env, input: opts.input, label: args });
}

/** `kubectl port-forward POD :8008` on a local port kubectl picks; GETs /patroni through it. */
async function patroniThroughKubectl(extraEnv: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const child = spawn(bin, ['--kubeconfig', t.kubeconfig, 'port-forward', `pod/${POD}`, ':8008'], { env: { ...process.env, HOME: t.dir, ...extraEnv } });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise((r) => child.on('close', r));
  try {
    const port = await eventually(`kubectl port-forward listening (stderr: ${err})`, () => out.match(/Forwarding from 127\.0\.0\.1:(\d+) -> 8008/)?.[1], 15_000);
    // Two requests: each is its own pair of streams on the one connection.
    await (await fetch(`http://127.0.0.1:${port}/readiness`)).text();
    return (await (await fetch(`http://127.0.0.1:${port}/patroni`)).json()) as Record<string, unknown>;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/** Processes whose command line carries a marker (an exec'd command left behind would). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

beforeAll(async () => {
  const pre = preflight();
  if (!pre.ok) throw new Error(pre.message);
  const script = pathToFileURL(resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'scripts', 'kubectl.mjs')).href;
  bin = ((await import(script)) as { kubectlPath(): string }).kubectlPath();
  t = await startTestApi();
  kubelet = new Kubelet(t.api.registry, { root, kubeconfig: t.kubeconfig, deleter: t.api.http.deleter, subnet: (subnet = claimSubnet(90, 99)).octet, readinessIntervalMs: 500 });
  servePodExec(t.api.http, kubelet);
  servePortForward(t.api.http, kubelet);
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'postgres.epf.credentials' }, stringData: { username: 'postgres', password: 'su-secret' } } });
  await core.createNamespacedPod({
    namespace: 'default',
    body: { metadata: { name: POD, labels: { application: 'spilo', 'cluster-name': 'epf' } }, spec: { containers: [{ name: 'postgres', image: 'spilo', env }] } },
  });
  // A pod no kubelet runs (no Spilo environment): never scheduled, as on a cluster without nodes.
  await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'idle' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } } });
  await eventually('the member leads and is ready', async () => {
    const pod = await core.readNamespacedPod({ namespace: 'default', name: POD });
    return pod.metadata?.labels?.['spilo-role'] === 'master' && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  }, 45_000, 250);
}, 60_000);

afterAll(async () => {
  await kubelet?.stop();
  await t?.close();
  subnet?.release();
  expect(liveMembers()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe('kubectl exec', () => {
  it('runs psql in the pod as the superuser', async () => {
    const r = await kubectl(['exec', POD, '--', 'psql', '-tAc', 'select 1']);
    expect(r).toMatchObject({ code: 0, stdout: '1\n' });
    expect((await kubectl(['exec', POD, '--', 'psql', '-tAc', 'select current_user'])).stdout).toBe('postgres\n');
  });

  it('passes stdin through and ends it', async () => {
    const r = await kubectl(['exec', '-i', POD, '--', 'sh', '-c', 'cat; echo done'], { input: 'line one\nline two\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'line one\nline two\ndone\n' });
  });

  it('exits with the command\'s exit code, stderr apart', async () => {
    const r = await kubectl(['exec', POD, '--', 'sh', '-c', 'echo out; echo oops >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('oops\ncommand terminated with exit code 3\n');
  });

  it('runs patronictl against the cluster, which shows the member as Leader', async () => {
    const r = await kubectl(['exec', POD, '--', 'patronictl', 'list']);
    expect(r.code, r.stderr).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.includes(` ${POD} `));
    expect(row).toMatch(new RegExp(String.raw`\| epf-0\s+\| 127\.0\.${subnet.octet}\.\d+\s+\| Leader\s+\| running`));
  });

  it('refuses as the real server does', async () => {
    expect(await kubectl(['exec', 'nope', '--', 'true'])).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    expect((await kubectl(['exec', POD, '-c', 'sidecar', '--', 'true'])).stderr).toBe(`Error from server (BadRequest): container sidecar is not valid for pod ${POD}\n`);
    expect((await kubectl(['exec', 'idle', '--', 'true'])).stderr).toBe('Error from server (BadRequest): pod idle does not have a host assigned\n');
    const missing = await kubectl(['exec', POD, '--', 'no-such-command']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('executable file not found in $PATH');
  });

  it('gives -it a terminal', async () => {
    // script(1) is the terminal kubectl needs before it asks for one; -e passes on the exit code.
    const line = [bin, '--kubeconfig', t.kubeconfig, 'exec', '-it', POD, '--', 'sh', '-c', "'tty; exit 4'"].join(' ');
    const r = await new Promise<KubectlRun>((ok) => {
      const child = spawn('script', ['-q', '-e', '-c', line, '/dev/null'], { env: { ...process.env, HOME: t.dir } });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.on('close', (code) => ok({ code, stdout, stderr: '' }));
      child.stdin.end();
    });
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code).toBe(4);
  });

  it('kills the command and its children when the client goes away', async () => {
    // A sleep of a length nobody else uses marks both the shell and its child.
    const marker = `299.${process.pid}${Date.now() % 100_000}`;
    const child = spawn(bin, ['--kubeconfig', t.kubeconfig, 'exec', POD, '--', 'sh', '-c', `sleep ${marker}; true`], { env: { ...process.env, HOME: t.dir } });
    const running = () => processesWith(marker).filter((pid) => pid !== child.pid);
    await eventually('the shell and its sleep run', () => running().length === 2, 10_000);
    child.kill('SIGKILL');
    await eventually('both are gone', () => running().length === 0, 10_000);
  });
});

describe('kubectl port-forward', () => {
  it('forwards to Patroni\'s REST API over SPDY in a WebSocket (the default)', async () => {
    expect(await patroniThroughKubectl()).toMatchObject({ role: 'master', patroni: { scope: 'epf' } });
  });

  it('forwards over plain SPDY, kubectl\'s fallback', async () => {
    expect(await patroniThroughKubectl({ KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' })).toMatchObject({ role: 'master', patroni: { scope: 'epf' } });
  });
});

describe('client-node', () => {
  it('Exec returns the output and a Success status, and NonZeroExitCode with the code', async () => {
    const run = async (command: string[]) => {
      const stdout = new PassThrough();
      let text = '';
      stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
      const status = await new Promise<k8s.V1Status>((ok, fail) => {
        new k8s.Exec(t.kc).exec('default', POD, 'postgres', command, stdout, new PassThrough(), null, false, ok).catch(fail);
      });
      return { status, text };
    };
    const good = await run(['psql', '-tAc', 'select 40 + 2']);
    expect(good.status.status).toBe('Success');
    expect(good.text).toBe('42\n');
    const bad = await run(['sh', '-c', 'exit 7']);
    expect(bad.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
  });

  it('PortForward serves Patroni\'s REST API', async () => {
    const forward = new k8s.PortForward(t.kc);
    const sockets = new Set<Socket>();
    const local = createServer((socket) => {
      sockets.add(socket);
      void forward.portForward('default', POD, [8008], socket, null, socket).then((ws) => {
        // The kubelet ends the WebSocket when Patroni closes the connection; the local side follows.
        (ws as WebSocket).on('close', () => socket.end());
      });
    });
    await new Promise<void>((ok) => local.listen(0, '127.0.0.1', ok));
    try {
      const { port } = local.address() as AddressInfo;
      const body = (await (await fetch(`http://127.0.0.1:${port}/patroni`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ role: 'master', patroni: { scope: 'epf' } });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => local.close(r));
    }
  });
});

describe('a pod whose container is down', () => {
  it('refuses exec as the kubelet does; a port-forward reports the refused connection on its error channel', async () => {
    await kubelet.memberOf('default', POD)!.kill();
    const r = await kubectl(['exec', POD, '--', 'true']);
    expect(r).toMatchObject({ code: 1, stderr: 'error: unable to upgrade connection: container not found ("postgres")\n' });
    const errors = new PassThrough();
    let text = '';
    errors.setEncoding('utf8').on('data', (d: string) => (text += d));
    const ws = (await new k8s.PortForward(t.kc).portForward('default', POD, [8008], new PassThrough(), errors, new PassThrough())) as WebSocket;
    await eventually('the error', () => text.includes('connect: connection refused'), 5_000);
    expect(text).toMatch(new RegExp(String.raw`^error forwarding port 8008 to pod default/epf-0, uid [0-9a-f-]+: failed to connect to 127\.0\.${subnet.octet}\.\d+:8008: connect: connection refused$`));
    ws.close();
  });
});
