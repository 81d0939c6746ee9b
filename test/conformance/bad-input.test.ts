// Malformed and hostile requests against the sandbox API with plain fetch:
// each gets the Status a real API server sends (code, reason, message), and
// none of them takes the server down.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/sandbox/api/types.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; kind?: string; group?: string; causes?: { reason: string; message: string; field: string }[] };
}

interface Reply {
  status: number;
  contentType: string;
  text: string;
}

let t: TestApi;
const PGS = '/apis/acid.zalan.do/v1/namespaces/default/postgresqls';
const CMS = '/api/v1/namespaces/default/configmaps';

async function call(method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<Reply> {
  const res = await fetch(`${t.api.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body,
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The reply must be a Failure Status with this code and reason; returns it for closer looks. */
function failure(r: Reply, code: number, reason: string): Status {
  expect(r.status, r.text).toBe(code);
  expect(r.contentType).toMatch(/^application\/json/);
  const s = JSON.parse(r.text) as Status;
  expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
  return s;
}

const json = (o: unknown) => JSON.stringify(o);

function pg(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'acid.zalan.do/v1',
    kind: 'postgresql',
    metadata: { name, ...metadata },
    spec: { teamId: 'acid', volume: { size: '1Gi' }, numberOfInstances: 1, postgresql: { version: '17' }, ...spec },
  };
}

async function alive(): Promise<void> {
  const r = await call('GET', '/healthz');
  expect(r.status).toBe(200);
  expect(r.text).toBe('ok');
}

beforeAll(async () => {
  t = await startTestApi();
  const [crd] = loadFixture('postgresql.crd.yaml');
  expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', json(crd))).status).toBe(201);
  expect((await call('POST', PGS, json(pg('existing')))).status).toBe(201);
});
afterAll(async () => t?.close());

describe('bad request bodies', () => {
  it('malformed JSON → 400 BadRequest', async () => {
    failure(await call('POST', CMS, '{"metadata":{"name":'), 400, 'BadRequest');
    failure(await call('PUT', `${PGS}/existing`, '{nope}'), 400, 'BadRequest');
    failure(await call('PATCH', `${PGS}/existing`, '{"spec":', 'application/merge-patch+json'), 400, 'BadRequest');
  });

  it('malformed YAML in an apply patch → 400 BadRequest', async () => {
    const yaml = 'metadata:\n  name: [broken\n  labels: {a: b\n';
    failure(await call('PATCH', `${PGS}/existing?fieldManager=test`, yaml, 'application/apply-patch+yaml'), 400, 'BadRequest');
  });

  it('a body that is not an object → 400 BadRequest', async () => {
    for (const body of ['[1,2]', 'null', '"text"', '42']) failure(await call('POST', CMS, body), 400, 'BadRequest');
  });

  it("CBOR → 415 UnsupportedMediaType; a truncated protobuf body → 400 (kubectl's generators send whole ones, see kubectl.test.ts)", async () => {
    const proto = Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x0f]);
    const s = failure(await call('POST', CMS, proto, 'application/cbor'), 415, 'UnsupportedMediaType');
    expect(s.message).toMatch(/^the body of the request was in an unknown format - accepted media types include: application\/json/);
    const p = failure(await call('POST', CMS, proto, 'application/vnd.kubernetes.protobuf'), 400, 'BadRequest');
    expect(p.message).toBe('the protobuf request body could not be decoded: field 1 runs past the end');
  });

  it('a body over the size limit → 413', async () => {
    const big = json({ metadata: { name: 'big' }, data: { blob: 'x'.repeat(3.5 * 1024 * 1024) } });
    const s = failure(await call('POST', CMS, big), 413, 'RequestEntityTooLarge');
    expect(s.message).toBe('Request entity too large: limit is 3145728');
    failure(await call('GET', `${CMS}/big`), 404, 'NotFound');
  });

  it('metadata of the wrong type → 400, and an ownerReference without uid → 422', async () => {
    const bad = [
      { name: 'm1', labels: 'x' },
      { name: 'm2', labels: { a: 1 } },
      { name: 'm3', finalizers: 'x' },
      { name: 'm4', ownerReferences: 'abc' },
      { name: 'm5', ownerReferences: ['abc'] },
      { name: 5 },
    ];
    for (const metadata of bad) {
      const s = failure(await call('POST', CMS, json({ metadata })), 400, 'BadRequest');
      expect(s.message).toMatch(/^ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal /);
    }
    failure(await call('POST', CMS, json({ metadata: [] })), 400, 'BadRequest');
    failure(await call('POST', PGS, json(pg('bad-labels', {}, { labels: ['x'] }))), 400, 'BadRequest');
    const s = failure(await call('POST', CMS, json({ metadata: { name: 'orphan', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x' }] } })), 422, 'Invalid');
    expect(s.message).toBe('ConfigMap "orphan" is invalid: metadata.ownerReferences.uid: Invalid value: "": uid must not be empty');
    // Deleting objects wakes the garbage collector, which walks owner references: it must find sane ones.
    expect((await call('POST', CMS, json({ metadata: { name: 'gc-probe' } }))).status).toBe(201);
    expect((await call('DELETE', `${CMS}/gc-probe`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    await alive();
  });

  it('a DELETE with a malformed body → 400', async () => {
    failure(await call('DELETE', `${PGS}/existing`, '{"propagationPolicy":'), 400, 'BadRequest');
    expect((await call('GET', `${PGS}/existing`)).status).toBe(200);
  });
});

describe('bad paths and namespaces', () => {
  it('an unknown resource path → 404 the server could not find the requested resource', async () => {
    for (const path of ['/api/v1/nopes', '/apis/acid.zalan.do/v1/namespaces/default/nopes', '/apis/nope.example.com/v1/things', '/nonsense']) {
      const s = failure(await call('GET', path), 404, 'NotFound');
      expect(s.message).toBe('the server could not find the requested resource');
    }
  });

  it('a malformed escape in the path → 400, not a 500', async () => {
    failure(await call('GET', '/api/v1/namespaces/%E0%A4%A/configmaps'), 400, 'BadRequest');
  });

  it('POST into a namespace that does not exist → 404 namespaces "x" not found', async () => {
    const s = failure(await call('POST', '/api/v1/namespaces/x/configmaps', json({ metadata: { name: 'a' } })), 404, 'NotFound');
    expect(s.message).toBe('namespaces "x" not found');
    expect(s.details).toEqual({ name: 'x', kind: 'namespaces' });
    failure(await call('POST', '/apis/acid.zalan.do/v1/namespaces/x/postgresqls', json(pg('a'))), 404, 'NotFound');
  });

  it('a namespace in the body other than the URL → 400', async () => {
    const s = failure(await call('POST', CMS, json({ metadata: { name: 'a', namespace: 'kube-system' } })), 400, 'BadRequest');
    expect(s.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  it('a method the resource does not take → 405', async () => {
    failure(await call('PUT', CMS, json({ metadata: { name: 'a' } })), 405, 'MethodNotAllowed');
  });
});

describe('custom objects', () => {
  it('an invalid postgresql → 422 with causes naming the field', async () => {
    const s = failure(await call('POST', PGS, json(pg('three', { numberOfInstances: 'three' }))), 422, 'Invalid');
    expect(s.message).toBe(
      'postgresql.acid.zalan.do "three" is invalid: spec.numberOfInstances: Invalid value: "string": spec.numberOfInstances in body must be of type integer: "string"',
    );
    expect(s.details).toMatchObject({ name: 'three', group: 'acid.zalan.do', kind: 'postgresql' });
    expect(s.details?.causes).toEqual([
      { reason: 'FieldValueTypeInvalid', field: 'spec.numberOfInstances', message: 'Invalid value: "string": spec.numberOfInstances in body must be of type integer: "string"' },
    ]);
    const noTeam = pg('noteam');
    delete (noTeam.spec as Record<string, unknown>).teamId;
    const s2 = failure(await call('POST', PGS, json(noTeam)), 422, 'Invalid');
    expect(s2.details?.causes).toEqual([{ reason: 'FieldValueRequired', field: 'spec.teamId', message: 'Required value' }]);
    failure(await call('GET', `${PGS}/three`), 404, 'NotFound');
  });

  it('PUT with a stale resourceVersion → 409 Conflict', async () => {
    const live = JSON.parse((await call('GET', `${PGS}/existing`)).text) as KubeObject;
    const stale = { ...pg('existing', { numberOfInstances: 2 }), metadata: { name: 'existing', resourceVersion: '1' } };
    const s = failure(await call('PUT', `${PGS}/existing`, json(stale)), 409, 'Conflict');
    expect(s.message).toBe(
      'Operation cannot be fulfilled on postgresqls.acid.zalan.do "existing": the object has been modified; please apply your changes to the latest version and try again',
    );
    const after = JSON.parse((await call('GET', `${PGS}/existing`)).text) as KubeObject;
    expect(after.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });

  it('PUT of a custom object without resourceVersion → 422', async () => {
    const s = failure(await call('PUT', `${PGS}/existing`, json(pg('existing', { numberOfInstances: 2 }))), 422, 'Invalid');
    expect(s.message).toBe(
      'postgresql.acid.zalan.do "existing" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
  });

  it('strategic merge patch on a custom resource → 415', async () => {
    const s = failure(await call('PATCH', `${PGS}/existing`, '{"spec":{"numberOfInstances":2}}', 'application/strategic-merge-patch+json'), 415, 'UnsupportedMediaType');
    expect(s.message).toBe(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    failure(await call('PATCH', `${PGS}/existing`, '{}', 'text/plain'), 415, 'UnsupportedMediaType');
  });

  it('malformed JSON patches → a 4xx Status, never a 500', async () => {
    for (const ops of ['{"op":"add"}', '[1]', '[{"op":"add"}]', '[{"op":"frobnicate","path":"/spec"}]', '[{"op":"remove","path":"/spec/nope/deeper"}]']) {
      const r = await call('PATCH', `${PGS}/existing`, ops, 'application/json-patch+json');
      expect(r.status, `${ops} → ${r.text}`).toBeGreaterThanOrEqual(400);
      expect(r.status, `${ops} → ${r.text}`).toBeLessThan(500);
      expect(JSON.parse(r.text)).toMatchObject({ kind: 'Status', status: 'Failure' });
    }
  });
});

describe('bad selectors and watches', () => {
  it('a bad label selector → 400', async () => {
    for (const sel of ['a===b', 'a in b', 'a in (b', '!']) {
      failure(await call('GET', `${CMS}?labelSelector=${encodeURIComponent(sel)}`), 400, 'BadRequest');
    }
    failure(await call('GET', `${CMS}?watch=true&labelSelector=${encodeURIComponent('a in b')}`), 400, 'BadRequest');
  });

  it('an unsupported field selector → 400 field label not supported', async () => {
    const s = failure(await call('GET', `${CMS}?fieldSelector=${encodeURIComponent('spec.foo=bar')}`), 400, 'BadRequest');
    expect(s.message).toBe('field label not supported: spec.foo');
    const s2 = failure(await call('GET', `${PGS}?fieldSelector=${encodeURIComponent('spec.teamId=acid')}`), 400, 'BadRequest');
    expect(s2.message).toBe('field label not supported: spec.teamId');
    // The ones every kind has still work.
    expect((await call('GET', `${PGS}?fieldSelector=${encodeURIComponent('metadata.name=existing')}`)).status).toBe(200);
  });

  it('a watch from an expired resourceVersion → 200, one ERROR 410 event, end of stream', async () => {
    const before = JSON.parse((await call('GET', CMS)).text) as { metadata: { resourceVersion: string } };
    expect((await call('POST', CMS, json({ metadata: { name: 'after-compaction' } }))).status).toBe(201);
    t.api.registry.store.compact();
    const rv = Number(before.metadata.resourceVersion);
    const res = await fetch(`${t.api.url}${CMS}?watch=true&resourceVersion=${rv}`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    const lines = (await res.text()).split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0]) as { type: string; object: Status };
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    expect(ev.object.message).toMatch(new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
  });
});

describe('the server survives', () => {
  it('a client that hangs up in the middle of a body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${t.api.url}${CMS}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': 10_000 } });
      req.on('error', () => resolve());
      req.write('{"metadata":{"name":"half');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await alive();
  });

  it('a watcher that goes away', async () => {
    const ac = new AbortController();
    const res = await fetch(`${t.api.url}${CMS}?watch=true`, { signal: ac.signal });
    expect(res.status).toBe(200);
    ac.abort();
    expect((await call('POST', CMS, json({ metadata: { name: 'after-watcher' } }))).status).toBe(201);
    await alive();
  });

  it('and still answers /healthz and a normal create after all of the above', async () => {
    await alive();
    const r = await call('POST', PGS, json(pg('still-fine')));
    expect(r.status).toBe(201);
    const created = JSON.parse(r.text) as KubeObject;
    expect(created.metadata).toMatchObject({ name: 'still-fine', namespace: 'default', generation: 1 });
    const list = JSON.parse((await call('GET', PGS)).text) as { items: KubeObject[] };
    expect(list.items.map((o) => o.metadata.name)).toEqual(['existing', 'still-fine']);
  });
});
