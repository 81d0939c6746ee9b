// client-node's API clients as zpg prepares them (request-transport.ts): sent
// through undici's request(), not fetch, with client-node's user agent,
// answers and failures reaching the caller as client-node gives them.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKubeError, prepareClient } from '../../src/services/kube/config.ts';
import { makePki } from '../helpers/pki.ts';

let server: Server;
let base = '';
const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

function kubeconfig(serverUrl: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: serverUrl }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  prepareClient(kc);
  return kc;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/api/v1') {
        // discovery, which the generic object API reads first
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'secrets', namespaced: true, kind: 'Secret', verbs: ['get', 'patch'] }] }));
      } else if (req.url === '/api/v1/namespaces/db/secrets/present') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'present', namespace: 'db', labels: { team: 'acid' } }, data: { password: 'cGFzcw==' } }));
      } else if (req.method === 'PATCH') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ...(JSON.parse(body) as object), kind: 'Secret', apiVersion: 'v1' }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'secrets "absent" not found' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('client-node through request()', () => {
  it('reads an object with the credentials and user agent client-node sends, and no fetch headers', async () => {
    const core = kubeconfig(base).makeApiClient(k8s.CoreV1Api);
    const s = await core.readNamespacedSecret({ namespace: 'db', name: 'present' });
    expect(s.metadata?.labels).toEqual({ team: 'acid' });
    expect(s.data?.password).toBe('cGFzcw==');
    const req = seen.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer secret-token');
    expect(req.headers['user-agent']).toMatch(/^kubernetes-client-javascript\/\d+\.\d+\.\d+$/);
    // fetch() would add these: the call went through request()
    expect(req.headers['sec-fetch-mode']).toBeUndefined();
    expect(req.headers['accept-encoding']).toBeUndefined();
  });

  it('sends a patch body with its content type, and the generic object API goes the same way', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kubeconfig(base));
    const patched = await objects.patch({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'p', namespace: 'db', labels: { a: 'b' } } }, undefined, undefined, 'zpg', undefined, k8s.PatchStrategy.MergePatch);
    expect(patched.metadata?.labels).toEqual({ a: 'b' });
    const req = seen.at(-1)!;
    expect(req.method).toBe('PATCH');
    expect(req.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(req.body)).toMatchObject({ metadata: { name: 'p', labels: { a: 'b' } } });
    expect(req.headers['sec-fetch-mode']).toBeUndefined();
  });

  it('gives a refusal as client-node does: an ApiException with the Status body', async () => {
    const core = kubeconfig(base).makeApiClient(k8s.CoreV1Api);
    const e = await core.readNamespacedSecret({ namespace: 'db', name: 'absent' }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(k8s.ApiException);
    expect((e as k8s.ApiException<unknown>).code).toBe(404);
    expect(describeKubeError(e, base)).toBe('not found (404): secrets "absent" not found');
  });

  it('speaks TLS with the kubeconfig CA, a client certificate and a token, and refuses a server it cannot verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpg-tls-'));
    const { file } = makePki(dir);
    const tls = createHttpsServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: `${peer.subject?.CN}|${req.headers.authorization}` } }] }));
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
      const load = (withCa: boolean) => {
        const kc = new k8s.KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: 'c', server: url, ...(withCa ? { caData: file('ca.crt').toString('base64') } : {}) }],
          users: [{ name: 'u', token: 'tls-token', certData: file('client.crt').toString('base64'), keyData: file('client.key').toString('base64') }],
          contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
          currentContext: 'x',
        });
        prepareClient(kc);
        return kc.makeApiClient(k8s.CoreV1Api);
      };
      const list = await load(true).listNamespace();
      expect(list.items.map((n) => n.metadata?.name)).toEqual(['zpg-test-client|Bearer tls-token']);
      const e = await load(false).listNamespace().then(() => undefined, (x: unknown) => x);
      expect(String((e as Error)?.message ?? e)).toMatch(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      await new Promise<void>((r) => tls.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the server when nothing listens there', async () => {
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise<void>((r) => gone.close(() => r()));
    const e = await kubeconfig(url).makeApiClient(k8s.CoreV1Api).listNamespace().then(() => undefined, (x: unknown) => x);
    expect(describeKubeError(e, url)).toBe(`cannot reach ${url} (ECONNREFUSED): check --context, or start zpg demo`);
  });
});
