// Limits the real API server enforces and the sandbox must too: annotations
// over 256 KiB in total, invalid label values and annotation keys on custom
// resources as on built-in kinds, and duplicate JSON keys by fieldValidation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  installCrds(t.api.registry);
});
afterAll(async () => t?.close());

const PG_PATH = '/apis/acid.zalan.do/v1/namespaces/default/postgresqls';
const CM_PATH = '/api/v1/namespaces/default/configmaps';
const pg = (name: string, metadata: Record<string, unknown> = {}) => ({
  apiVersion: 'acid.zalan.do/v1',
  kind: 'postgresql',
  metadata: { name, ...metadata },
  spec: { teamId: 'acid', numberOfInstances: 1, postgresql: { version: '15' }, volume: { size: '1Gi' } },
});

async function send(method: string, path: string, body: unknown | string): Promise<{ status: number; json: Record<string, unknown>; warning: string | null }> {
  const res = await fetch(`${t.api.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, warning: res.headers.get('warning') };
}

describe('annotations over 256 KiB in total', () => {
  const LIMIT = 262144;
  const annotations = (total: number) => ({ 'a.example.com/one': 'x'.repeat(total / 2 - 17), 'b.example.com/two': 'y'.repeat(total / 2 - 17) });

  it('are refused with 422 on a ConfigMap and on a postgresql; exactly 256 KiB is accepted', async () => {
    const cm = await send('POST', CM_PATH, { metadata: { name: 'big', annotations: annotations(LIMIT + 2) } });
    expect(cm.status).toBe(422);
    expect(cm.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: 'ConfigMap "big" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes',
      details: { name: 'big', kind: 'ConfigMap', causes: [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 262144 bytes', field: 'metadata.annotations' }] },
    });
    const cr = await send('POST', PG_PATH, pg('acid-big', { annotations: annotations(LIMIT + 2) }));
    expect(cr.status).toBe(422);
    expect(cr.json.message).toBe('postgresql.acid.zalan.do "acid-big" is invalid: metadata.annotations: Too long: may not be more than 262144 bytes');
    expect((await send('POST', CM_PATH, { metadata: { name: 'at-limit', annotations: annotations(LIMIT) } })).status).toBe(201);
  });

  it('are refused on an update too', async () => {
    expect((await send('POST', PG_PATH, pg('acid-grow'))).status).toBe(201);
    const res = await fetch(`${t.api.url}${PG_PATH}/acid-grow`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations: annotations(LIMIT + 100) } }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toMatch(/metadata\.annotations: Too long: may not be more than 262144 bytes$/);
  });
});

describe('metadata on custom resources', () => {
  it('refuses an invalid label value as for built-in kinds', async () => {
    const r = await send('POST', PG_PATH, pg('acid-label', { labels: { team: 'not a label!' } }));
    expect(r.status).toBe(422);
    expect(r.json.message).toBe(
      `postgresql.acid.zalan.do "acid-label" is invalid: metadata.labels: Invalid value: "not a label!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    );
    expect((r.json.details as { causes: unknown[] }).causes).toEqual([expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.labels' })]);
  });

  it('refuses a label value over 63 characters and an invalid annotation key', async () => {
    const long = await send('POST', PG_PATH, pg('acid-long', { labels: { team: 'a'.repeat(64) } }));
    expect(long.status).toBe(422);
    expect(long.json.message).toBe(`postgresql.acid.zalan.do "acid-long" is invalid: metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`);
    const key = await send('POST', PG_PATH, pg('acid-key', { annotations: { 'bad key': 'x' } }));
    expect(key.status).toBe(422);
    expect(key.json.message).toMatch(/^postgresql\.acid\.zalan\.do "acid-key" is invalid: metadata\.annotations: Invalid value: "bad key": name part must consist of/);
  });
});

describe('duplicate JSON keys', () => {
  const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","labels":{"app":"a","app":"b"}},"data":{"k":"1","k":"2"}}';

  it('are refused under fieldValidation=Strict, naming each duplicate by its path', async () => {
    const r = await send('POST', `${CM_PATH}?fieldValidation=Strict`, body.replace('NAME', 'dup-strict'));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'BadRequest',
      code: 400,
      message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.labels.app", duplicate field "data.k"',
    });
  });

  it('are accepted with a warning per duplicate by default (the last value wins), and silently under Ignore', async () => {
    const r = await send('POST', CM_PATH, body.replace('NAME', 'dup-warn'));
    expect(r.status).toBe(201);
    expect(r.warning).toBe('299 - "duplicate field \\"metadata.labels.app\\"", 299 - "duplicate field \\"data.k\\""');
    expect(r.json).toMatchObject({ metadata: { labels: { app: 'b' } }, data: { k: '2' } });
    const quiet = await send('POST', `${CM_PATH}?fieldValidation=Ignore`, body.replace('NAME', 'dup-ignore'));
    expect(quiet.status).toBe(201);
    expect(quiet.warning).toBeNull();
  });

  it('are found inside lists and on a replace', async () => {
    await send('POST', PG_PATH, pg('acid-dup'));
    const current = (await (await fetch(`${t.api.url}${PG_PATH}/acid-dup`)).json()) as { metadata: { resourceVersion: string } };
    const text = JSON.stringify({ ...pg('acid-dup', { resourceVersion: current.metadata.resourceVersion }), spec: { ...pg('x').spec, users: { zalando: [] } } })
      .replace('"users":', '"sidecars":[{"name":"a","name":"b","image":"i"}],"users":');
    const r = await send('PUT', `${PG_PATH}/acid-dup?fieldValidation=Strict`, text);
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('postgresql in version "v1" cannot be handled as a postgresql: strict decoding error: duplicate field "spec.sidecars[0].name"');
  });
});

describe('two containers of one pod with one name', () => {
  it('are refused in a StatefulSet template (as a sidecar named postgres would be) and in a Pod, on create and update', async () => {
    const template = (names: string[]) => ({ metadata: { labels: { app: 'dup' } }, spec: { containers: names.map((name) => ({ name, image: 'x:1' })) } });
    const sts = (names: string[]) => ({ metadata: { name: 'dup' }, spec: { serviceName: 'dup', replicas: 0, selector: { matchLabels: { app: 'dup' } }, template: template(names) } });
    const refused = await send('POST', '/apis/apps/v1/namespaces/default/statefulsets', sts(['postgres', 'postgres']));
    expect(refused.status).toBe(422);
    expect(refused.json.message).toBe('StatefulSet.apps "dup" is invalid: spec.template.spec.containers[1].name: Duplicate value: "postgres"');
    expect((await send('POST', '/apis/apps/v1/namespaces/default/statefulsets', sts(['postgres', 'side']))).status).toBe(201);
    const current = (await (await fetch(`${t.api.url}/apis/apps/v1/namespaces/default/statefulsets/dup`)).json()) as { metadata: Record<string, unknown> };
    const update = await send('PUT', '/apis/apps/v1/namespaces/default/statefulsets/dup', { ...sts(['postgres', 'postgres']), metadata: current.metadata });
    expect(update.status).toBe(422);
    const pod = await send('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'dup' }, spec: { initContainers: [{ name: 'c', image: 'x:1' }], containers: [{ name: 'c', image: 'x:1' }] } });
    expect(pod.status).toBe(422);
    expect(pod.json.message).toBe('Pod "dup" is invalid: spec.containers[0].name: Duplicate value: "c"');
  });
});
