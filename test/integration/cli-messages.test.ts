// What zpg says at the edges: an http:// server in a kubeconfig works as with
// kubectl, a blocked port is named, the daemon's retries name the address and
// the cause, and an old Node is told which Node zpg needs.
import * as k8s from '@kubernetes/client-node';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../../src/operator/daemon.ts';
import { createLogger } from '../../src/services/log.ts';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { ZPG, zpg } from '../helpers/zpg.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  installCrds(t.api.registry);
});
afterAll(async () => t?.close());

/** A kubeconfig as kubectl users write one for a plain-HTTP server: no insecure-skip-tls-verify. */
function kubeconfig(name: string, server: string): string {
  const file = join(t.dir, name);
  writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: x}\n`);
  return file;
}

/** a port nobody listens on */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('kubeconfig servers', () => {
  it('accepts an http:// server without insecure-skip-tls-verify, as kubectl does', async () => {
    const r = await zpg(['list', '--kubeconfig', kubeconfig('plain-http', t.api.url)]);
    expect(r.stderr).not.toMatch(/HTTP protocol is not allowed/);
    expect(r.code, r.stderr).toBe(0);
  });

  it('names a port that fetch refuses instead of saying "bad port"', async () => {
    const r = await zpg(['list', '--kubeconfig', kubeconfig('port-1', 'http://127.0.0.1:1')]);
    expect(r.code).not.toBe(0);
    // fetch refuses port 1 outright ("bad port") or the connection is refused: either way the address and the cause are named
    expect(r.stderr.trim()).toMatch(/^zpg: cannot reach http:\/\/127\.0\.0\.1:1(: Node's fetch refuses port 1 \(on the WHATWG list of blocked "bad ports"\); serve the API on another port| \(ECONNREFUSED\))/);
    expect(r.stderr.trim()).not.toBe('zpg: bad port');
  });
});

describe('the daemon against an API it cannot reach', () => {
  it('logs each retry with the address and the cause', async () => {
    const server = `http://127.0.0.1:${await closedPort()}`;
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig('closed', server));
    const lines: string[] = [];
    const d = await startDaemon({ kc, namespace: 'zpg-system', port: 0, host: '127.0.0.1', retryPeriodSeconds: 0.2, log: createLogger({ write: (l) => void lines.push(l) }) });
    try {
      const line = await eventually('a retry line', () => lines.find((l) => l.includes('leader election')), 10_000);
      expect(JSON.parse(line!).msg).toBe(`leader election: lease zpg-system/zpg-operator: cannot reach ${server} (ECONNREFUSED): check --context, or start zpg demo; retrying in 0.2 s`);
    } finally {
      await d.stop();
    }
  });
});

describe('an old Node', () => {
  const node = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => spawnSync(p, ['--version']).status === 0);
  const version = node ? execFileSync(node, ['--version'], { encoding: 'utf8' }).trim() : 'v99.0.0';
  const [major, minor] = version.slice(1).split('.').map(Number);
  it.skipIf(major! > 22 || (major === 22 && minor! >= 19))(`is told which Node zpg needs (${version} here)`, () => {
    const r = spawnSync(node!, [ZPG, 'list'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`zpg: needs Node.js 22.19 or newer; this is Node ${version.slice(1)}`);
    expect(r.stderr).not.toMatch(/at .*undici|TypeError/);
  });
});
