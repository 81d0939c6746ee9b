// client-node's API clients as zpg prepares them (request-transport.ts): sent
// through undici's request(), not fetch, with client-node's user agent,
// answers and failures reaching the caller as client-node gives them.
import * as k8s from '@kubernetes/client-node';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKubeError, prepareClient } from '../../src/services/kube/config.ts';

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

  it('names the server when nothing listens there', async () => {
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise<void>((r) => gone.close(() => r()));
    const e = await kubeconfig(url).makeApiClient(k8s.CoreV1Api).listNamespace().then(() => undefined, (x: unknown) => x);
    expect(describeKubeError(e, url)).toBe(`cannot reach ${url} (ECONNREFUSED): check --context, or start zpg demo`);
  });
});
