// The real kubectl (v1.32.3, the official binary) against the sandbox API:
// Zalando's CRDs and example manifests, the printer columns, watches, patches,
// finalizers and the error lines kubectl prints for a real API server. What
// kubectl prints is the contract: users and scripts read exactly these lines.
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/sandbox/api/types.ts';
import { ZALANDO_FIXTURES, fixturePath, loadFixture } from '../helpers/fixtures.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { KUBECTL_TIMEOUT_MS, runKubectl, type KubectlRun as Run } from '../helpers/kubectl.ts';

const CRD_FILES = ['postgresql.crd.yaml', 'operatorconfiguration.crd.yaml', 'postgresteam.crd.yaml', 'fes.crd.yaml'];
/** Every example manifest of the current release; the v1.15.1 copies belong with the v1.15.1 CRD. */
const MANIFESTS = readdirSync(ZALANDO_FIXTURES)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.crd.yaml') && !f.includes('.v1.'))
  .sort();
const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' };

let t: TestApi;
let bin: string;
let cacheDir: string;
let custom: k8s.CustomObjectsApi;


interface RunOptions {
  input?: string;
  /** a fresh discovery cache shows what kubectl sees on first contact */
  cacheDir?: string;
}

function argsFor(args: string[], opts: RunOptions): string[] {
  return ['--kubeconfig', t.kubeconfig, '--cache-dir', opts.cacheDir ?? cacheDir, ...args];
}

/** HOME in the test dir: nothing is read from or written to the user's ~/.kube. */
const kubectlEnv = () => ({ ...process.env, HOME: t.dir, KUBECONFIG: t.kubeconfig });

function kubectl(args: string[], opts: RunOptions = {}): Promise<Run> {
  return runKubectl(bin, argsFor(args, opts), { env: kubectlEnv(), input: opts.input, label: args });
}

/** kubectl that must succeed; the failure message carries what it printed. */
async function ok(args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** A kubectl that keeps running (get -w, a delete that waits), read line by line. */
interface Running {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr(): string;
  exit: Promise<number | null>;
  waitForLine(what: string, match: (line: string) => boolean): Promise<string>;
  stop(): void;
}

function start(args: string[]): Running {
  const child = spawn(bin, argsFor(args, {}), { env: kubectlEnv() });
  const lines: string[] = [];
  let partial = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), KUBECTL_TIMEOUT_MS);
  void exit.then(() => clearTimeout(timer));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    waitForLine: (what, match) => eventually(`${what} from kubectl ${args.join(' ')}; stderr: ${err}`, () => lines.find(match) ?? '', 15_000),
    stop: () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}

// ---------------------------------------------------------------- helpers

const groupOf = (o: KubeObject) => (String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '');

/** How kubectl names an object in its messages: `postgresql.acid.zalan.do/acid-minimal-cluster`. */
function printedName(o: KubeObject): string {
  const group = groupOf(o);
  return `${String(o.kind).toLowerCase()}${group ? `.${group}` : ''}/${o.metadata.name}`;
}

/** The namespace a file's objects land in: their own when they name one, else `fallback`. */
function namespaceOf(docs: KubeObject[], fallback: string): { ns: string; explicit: boolean } {
  const named = docs.find((d) => d.metadata.namespace)?.metadata.namespace;
  return named ? { ns: named, explicit: true } : { ns: fallback, explicit: false };
}

const served = (o: KubeObject) => t.api.registry.catalog.byKind(String(o.apiVersion), String(o.kind)) !== undefined;

async function ensureNamespace(name: string): Promise<void> {
  await ok(['apply', '-f', '-'], { input: stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) });
}

/** resourceVersion of each object, read back with `kubectl get <kind>/<name>... -o json`. */
async function resourceVersions(docs: KubeObject[], ns: string): Promise<Record<string, string>> {
  const out = JSON.parse(await ok(['get', '-n', ns, '-o', 'json', ...docs.map(printedName)])) as KubeObject & { items?: KubeObject[] };
  const items = out.items ?? [out];
  return Object.fromEntries(items.map((o) => [printedName(o), String(o.metadata.resourceVersion)]));
}

async function getPg(ns: string, name: string): Promise<KubeObject> {
  return JSON.parse(await ok(['get', 'pg', name, '-n', ns, '-o', 'json'])) as KubeObject;
}

/** Splits `kubectl get` output by the header's column offsets (cells may be empty). */
function parseTable(text: string): Record<string, string>[] {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  const starts = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index }));
  return rows.map((row) =>
    Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, i + 1 < starts.length ? starts[i + 1].at : undefined).trim()])),
  );
}

function apiResourceRow(text: string, name: string): string[] | undefined {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[0] === name);
}

/** A postgresql built from the minimal example, renamed and changed by `edit`. */
function pgManifest(name: string, edit: (spec: Record<string, unknown>) => void = () => {}): string {
  const [doc] = loadFixture('minimal-postgres-manifest.yaml');
  const spec = structuredClone(doc.spec) as Record<string, unknown>;
  edit(spec);
  return stringify({ ...doc, metadata: { name }, spec });
}

const patchOpts = (type: string) => k8s.setHeaderOptions('Content-Type', type as k8s.PatchStrategy);

// ---------------------------------------------------------------- set-up

beforeAll(async () => {
  t = await startTestApi();
  cacheDir = join(t.dir, 'kube-cache');
  // Through a variable: scripts/ is plain JS without types, and this is all we need of it.
  const script = pathToFileURL(resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'scripts', 'kubectl.mjs')).href;
  const mod = (await import(script)) as { kubectlPath(): string };
  bin = mod.kubectlPath();
  custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
});
afterAll(async () => t?.close());

describe('kubectl and the Zalando CRDs', () => {
  it.each(CRD_FILES)('applies %s client-side, then unchanged, then server-side without a write', async (file) => {
    const [crd] = loadFixture(file);
    const name = printedName(crd);
    expect((await ok(['apply', '-f', fixturePath(file)])).trim()).toBe(`${name} created`);
    const before = await resourceVersions([crd], 'default');
    expect((await ok(['apply', '-f', fixturePath(file)])).trim()).toBe(`${name} unchanged`);
    // Taking over from client-side apply changes nothing in the object.
    expect((await ok(['apply', '--server-side', '-f', fixturePath(file)])).trim()).toBe(`${name} serverside-applied`);
    expect((await ok(['apply', '--server-side', '-f', fixturePath(file)])).trim()).toBe(`${name} serverside-applied`);
    expect(await resourceVersions([crd], 'default')).toEqual(before);
    const established = await ok(['get', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    expect(established).toBe('True');
  }, 180_000); // three kubectl runs over a large CRD: over 60 s on a busy 2-core machine

  it('creates a CRD with apply --server-side and re-applies it without a write', async () => {
    const file = fixturePath('postgresteam.crd.yaml');
    expect((await ok(['delete', '-f', file])).trim()).toBe('customresourcedefinition.apiextensions.k8s.io "postgresteams.acid.zalan.do" deleted');
    expect((await ok(['apply', '--server-side', '-f', file])).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/postgresteams.acid.zalan.do serverside-applied');
    const [crd] = loadFixture('postgresteam.crd.yaml');
    const before = await resourceVersions([crd], 'default');
    await ok(['apply', '--server-side', '-f', file]);
    expect(await resourceVersions([crd], 'default')).toEqual(before);
  });

  it('lists postgresqls with short name pg in api-resources', async () => {
    const row = apiResourceRow(await ok(['api-resources', '--api-group=acid.zalan.do']), 'postgresqls');
    expect(row).toEqual(['postgresqls', 'pg', 'acid.zalan.do/v1', 'true', 'postgresql']);
    const teams = apiResourceRow(await ok(['api-resources', '--api-group=acid.zalan.do']), 'postgresteams');
    expect(teams?.slice(2)).toEqual(['acid.zalan.do/v1', 'true', 'PostgresTeam']);
  });
});

describe.each([
  { mode: 'client-side', flags: [] as string[], first: 'created', again: 'unchanged', prefix: 'csa' },
  { mode: 'server-side', flags: ['--server-side'], first: 'serverside-applied', again: 'serverside-applied', prefix: 'ssa' },
])('kubectl apply $mode of the example manifests', ({ flags, first, again, prefix }) => {
  it.each(MANIFESTS)('%s', async (file) => {
    const docs = loadFixture(file);
    const { ns, explicit } = namespaceOf(docs, `${prefix}-${file.replace(/\.yaml$/, '').replace(/[^a-z0-9-]/g, '-')}`.slice(0, 63));
    if (!explicit) await ensureNamespace(ns);
    const nsArgs = explicit ? [] : ['-n', ns];
    const missing = docs.filter((d) => !served(d));
    const present = docs.filter(served);
    // Each mode sees every object first (the client-side run creates the shared ones, and
    // server-side apply prints serverside-applied whether it creates or not).
    const expectLines = (r: Run, verb: string) => {
      for (const d of present) expect(r.stdout.split('\n')).toContain(`${printedName(d)} ${verb}`);
      if (!missing.length) expect(r.code, r.stderr).toBe(0);
      for (const d of missing) {
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(
          `resource mapping not found for name: "${d.metadata.name}" namespace: "${ns}" from "${fixturePath(file)}": no matches for kind "${d.kind}" in version "${d.apiVersion}"\nensure CRDs are installed first\n`,
        );
      }
    };
    expectLines(await kubectl(['apply', ...flags, ...nsArgs, '-f', fixturePath(file)]), first);
    const before = await resourceVersions(present, ns);
    expectLines(await kubectl(['apply', ...flags, ...nsArgs, '-f', fixturePath(file)]), again);
    expect(await resourceVersions(present, ns)).toEqual(before);
  });
});

describe('kubectl with postgresql objects', () => {
  const ns = 'kc';
  beforeAll(async () => {
    await ensureNamespace(ns);
    await ok(['apply', '-n', ns, '-f', fixturePath('complete-postgres-manifest.yaml'), '-f', fixturePath('minimal-postgres-manifest.yaml')]);
  });

  it('get pg prints the CRD printer columns with the manifest values', async () => {
    const [complete] = loadFixture('complete-postgres-manifest.yaml');
    const spec = complete.spec as {
      teamId: string;
      numberOfInstances: number;
      postgresql: { version: string };
      volume: { size: string };
      resources: { requests: { cpu: string; memory: string } };
    };
    const out = await ok(['get', 'pg', '-n', ns]);
    expect(out.split('\n')[0].trim().split(/\s+/)).toEqual(['NAME', 'TEAM', 'VERSION', 'PODS', 'VOLUME', 'CPU-REQUEST', 'MEMORY-REQUEST', 'AGE', 'STATUS']);
    const rows = parseTable(out);
    expect(rows.map((r) => r.NAME)).toEqual(['acid-minimal-cluster', 'acid-test-cluster']);
    const row = rows[1];
    expect(row).toMatchObject({
      TEAM: spec.teamId,
      VERSION: spec.postgresql.version,
      PODS: String(spec.numberOfInstances),
      VOLUME: spec.volume.size,
      'CPU-REQUEST': spec.resources.requests.cpu,
      'MEMORY-REQUEST': spec.resources.requests.memory,
      STATUS: '',
    });
    expect(row.AGE).toMatch(/^\d+s$/);
    // The minimal manifest has no resources: those cells stay empty.
    expect(rows[0]).toMatchObject({ TEAM: 'acid', PODS: '2', 'CPU-REQUEST': '', 'MEMORY-REQUEST': '' });

    // Status is the operator's to write, through the status subresource.
    await custom.patchNamespacedCustomObjectStatus(
      { ...PG, namespace: ns, name: 'acid-test-cluster', body: { status: { PostgresClusterStatus: 'Running' } } },
      patchOpts(k8s.PatchStrategy.MergePatch),
    );
    const after = parseTable(await ok(['get', 'pg', 'acid-test-cluster', '-n', ns]));
    expect(after[0].STATUS).toBe('Running');
  });

  it('get pg -o json round-trips the spec of every example postgresql', async () => {
    const files = MANIFESTS.filter((f) => loadFixture(f).every((d) => d.kind === 'postgresql' && !d.metadata.namespace));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const rtNs = `rt-${files.indexOf(file)}`;
      await ensureNamespace(rtNs);
      await ok(['apply', '-n', rtNs, '-f', fixturePath(file)]);
      for (const doc of loadFixture(file)) {
        const live = await getPg(rtNs, doc.metadata.name!);
        expect(live.spec, `${file} ${doc.metadata.name}`).toEqual(doc.spec);
        expect(live).toMatchObject({ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: doc.metadata.name, namespace: rtNs, generation: 1 } });
      }
    }
  });

  it('prunes fields the schema does not know, and re-applying them writes nothing', async () => {
    const manifest = pgManifest('pruned', (spec) => {
      spec.notAField = 'hello';
      (spec.volume as Record<string, unknown>).bogusVolumeField = 3;
    });
    // --validate=false: a real 1.32 server rejects unknown fields under kubectl's default Strict validation.
    expect((await ok(['apply', '--validate=false', '-n', ns, '-f', '-'], { input: manifest })).trim()).toBe('postgresql.acid.zalan.do/pruned created');
    const live = await getPg(ns, 'pruned');
    expect(live.spec).not.toHaveProperty('notAField');
    expect((live.spec as { volume: object }).volume).toEqual({ size: '1Gi' });
    // The last-applied annotation still carries them, so kubectl sends them again ("configured"),
    // but after pruning nothing changed: same resourceVersion, same generation.
    expect((await ok(['apply', '--validate=false', '-n', ns, '-f', '-'], { input: manifest })).trim()).toBe('postgresql.acid.zalan.do/pruned configured');
    const again = await getPg(ns, 'pruned');
    expect(again.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    expect(again.metadata.generation).toBe(1);
  });

  it('rejects unknown fields under kubectl\'s default Strict validation, as a 1.32 server does', async () => {
    const manifest = pgManifest('strict', (spec) => {
      spec.notAField = 'hello';
    });
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.notAField"');
    expect((await kubectl(['get', 'pg', 'strict', '-n', ns])).code).toBe(1);
  });

  it('get -w prints ADDED, then MODIFIED for a change made while it runs', async () => {
    const w = start(['get', 'pg', 'acid-minimal-cluster', '-n', ns, '-w', '--output-watch-events']);
    try {
      await w.waitForLine('the ADDED line', (l) => /^ADDED\s+acid-minimal-cluster\s/.test(l));
      expect(w.lines[0].trim().split(/\s+/)).toEqual(['EVENT', 'NAME', 'TEAM', 'VERSION', 'PODS', 'VOLUME', 'CPU-REQUEST', 'MEMORY-REQUEST', 'AGE', 'STATUS']);
      expect(await ok(['patch', 'pg', 'acid-minimal-cluster', '-n', ns, '--type', 'merge', '-p', '{"spec":{"numberOfInstances":5}}'])).toContain('patched');
      const modified = await w.waitForLine('the MODIFIED line', (l) => l.startsWith('MODIFIED'));
      expect(parseTable(`${w.lines[0]}\n${modified}`)[0]).toMatchObject({ EVENT: 'MODIFIED', NAME: 'acid-minimal-cluster', PODS: '5' });
      expect(w.child.exitCode).toBeNull();
    } finally {
      w.stop();
      await w.exit;
    }
  });

  it('label, get -l and unlabel', async () => {
    expect((await ok(['label', 'pg', 'acid-test-cluster', '-n', ns, 'env=test'])).trim()).toBe('postgresql.acid.zalan.do/acid-test-cluster labeled');
    expect((await ok(['get', 'pg', '-n', ns, '-l', 'env=test', '-o', 'name'])).trim()).toBe('postgresql.acid.zalan.do/acid-test-cluster');
    expect((await ok(['get', 'pg', '-n', ns, '-l', 'env in (test,prod)', '-o', 'name'])).trim()).toBe('postgresql.acid.zalan.do/acid-test-cluster');
    const others = (await ok(['get', 'pg', '-n', ns, '-l', '!env', '-o', 'name'])).trim().split('\n');
    expect(others).toContain('postgresql.acid.zalan.do/acid-minimal-cluster');
    expect(others).not.toContain('postgresql.acid.zalan.do/acid-test-cluster');
    const r = await kubectl(['label', 'pg', 'acid-test-cluster', '-n', ns, 'env=prod']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("error: 'env' already has a value (test), and --overwrite is false");
    expect((await ok(['label', 'pg', 'acid-test-cluster', '-n', ns, 'env-'])).trim()).toBe('postgresql.acid.zalan.do/acid-test-cluster unlabeled');
    const gone = await kubectl(['get', 'pg', '-n', ns, '-l', 'env=test']);
    expect(gone).toMatchObject({ code: 0, stdout: '' });
    expect(gone.stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
  });

  it('patch --type merge and --type json, and a patch that changes nothing', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], { input: pgManifest('patchme') });
    expect((await ok(['patch', 'pg', 'patchme', '-n', ns, '--type', 'merge', '-p', '{"spec":{"numberOfInstances":3}}'])).trim()).toBe('postgresql.acid.zalan.do/patchme patched');
    expect((await ok(['patch', 'pg', 'patchme', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/spec/volume/size","value":"2Gi"}]'])).trim()).toBe('postgresql.acid.zalan.do/patchme patched');
    const live = await getPg(ns, 'patchme');
    expect(live.spec).toMatchObject({ numberOfInstances: 3, volume: { size: '2Gi' } });
    expect(live.metadata.generation).toBe(3);
    // A patch that changes nothing is not written, and kubectl sees that.
    expect((await ok(['patch', 'pg', 'patchme', '-n', ns, '--type', 'merge', '-p', '{"spec":{"numberOfInstances":3}}'])).trim()).toBe('postgresql.acid.zalan.do/patchme patched (no change)');
    expect((await getPg(ns, 'patchme')).metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });

  it('patch --type strategic on a postgresql fails as on a real server', async () => {
    for (const type of [['--type', 'strategic'], []]) {
      const r = await kubectl(['patch', 'pg', 'acid-minimal-cluster', '-n', ns, ...type, '-p', '{"spec":{"numberOfInstances":1}}']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        'error: application/strategic-merge-patch+json is not supported by acid.zalan.do/v1, Kind=postgresql: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
  });

  it('delete waits for a finalizer that another client removes', async () => {
    await ok(['apply', '-n', ns, '-f', '-'], { input: pgManifest('held') });
    await ok(['patch', 'pg', 'held', '-n', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":["zpg.test/hold"]}}']);
    const del = start(['delete', 'pg', 'held', '-n', ns]);
    try {
      await del.waitForLine('the deleted line', (l) => l === 'postgresql.acid.zalan.do "held" deleted');
      const held = (await custom.getNamespacedCustomObject({ ...PG, namespace: ns, name: 'held' })) as KubeObject;
      expect(held.metadata.deletionTimestamp).toBeTruthy();
      // kubectl waits on a watch: give it time to show that it does not return early.
      await new Promise((r) => setTimeout(r, 500));
      expect(del.child.exitCode).toBeNull();
      await custom.patchNamespacedCustomObject(
        { ...PG, namespace: ns, name: 'held', body: [{ op: 'remove', path: '/metadata/finalizers' }] },
        patchOpts(k8s.PatchStrategy.JsonPatch),
      );
      expect(await del.exit).toBe(0);
      expect(del.stderr()).toBe('');
    } finally {
      del.stop();
    }
    const r = await kubectl(['get', 'pg', 'held', '-n', ns]);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): postgresqls.acid.zalan.do "held" not found');
  });
});

describe('kubectl error messages', () => {
  const ns = 'errors';
  beforeAll(() => ensureNamespace(ns));

  const fails = async (args: string[], opts: RunOptions = {}): Promise<string> => {
    const r = await kubectl(args, opts);
    expect(r.code, r.stdout).toBe(1);
    return r.stderr.trim();
  };

  it('NotFound', async () => {
    expect(await fails(['get', 'pg', 'nope', '-n', ns])).toBe('Error from server (NotFound): postgresqls.acid.zalan.do "nope" not found');
    expect(await fails(['delete', 'pg', 'nope', '-n', ns])).toBe('Error from server (NotFound): postgresqls.acid.zalan.do "nope" not found');
    expect(await fails(['get', 'configmap', 'nope', '-n', ns])).toBe('Error from server (NotFound): configmaps "nope" not found');
  });

  it('AlreadyExists on create -f of an existing object', async () => {
    const file = fixturePath('minimal-postgres-manifest.yaml');
    expect((await ok(['create', '-n', ns, '-f', file])).trim()).toBe('postgresql.acid.zalan.do/acid-minimal-cluster created');
    expect(await fails(['create', '-n', ns, '-f', file])).toBe(
      `Error from server (AlreadyExists): error when creating "${file}": postgresqls.acid.zalan.do "acid-minimal-cluster" already exists`,
    );
  });

  it('an invalid postgresql names the field', async () => {
    const three = pgManifest('bad-three', (spec) => (spec.numberOfInstances = 'three'));
    const expected = 'The postgresql "bad-three" is invalid: spec.numberOfInstances: Invalid value: "string": spec.numberOfInstances in body must be of type integer: "string"';
    expect(await fails(['apply', '-n', ns, '-f', '-'], { input: three })).toBe(expected);
    expect(await fails(['create', '-n', ns, '-f', '-'], { input: three })).toBe(expected);
    expect(await fails(['apply', '--server-side', '-n', ns, '-f', '-'], { input: three })).toBe(expected);
    const noTeam = pgManifest('bad-noteam', (spec) => delete spec.teamId);
    expect(await fails(['apply', '-n', ns, '-f', '-'], { input: noTeam })).toBe('The postgresql "bad-noteam" is invalid: spec.teamId: Required value');
    // Nothing was stored.
    expect(await fails(['get', 'pg', 'bad-three', 'bad-noteam', '-n', ns])).toContain('postgresqls.acid.zalan.do "bad-three" not found');
  });

  it('an unknown resource type', async () => {
    expect(await fails(['get', 'nopes'])).toBe('error: the server doesn\'t have a resource type "nopes"');
  });

  it("kubectl's typed generators (protobuf bodies): create namespace, configmap, secret and serviceaccount", async () => {
    expect(await ok(['create', 'namespace', 'pb-made', '-o', 'name'])).toBe('namespace/pb-made\n');
    await ok(['create', 'configmap', 'settings', '-n', 'pb-made', '--from-literal=mode=fast', '--from-literal=size=2']);
    await ok(['create', 'secret', 'generic', 's3-keys', '-n', 'pb-made', '--from-literal=AWS_ACCESS_KEY_ID=AKIA1', '--from-literal=AWS_SECRET_ACCESS_KEY=s:e/c+r=t']);
    await ok(['create', 'serviceaccount', 'robot', '-n', 'pb-made']);
    const cm = JSON.parse(await ok(['get', 'configmap', 'settings', '-n', 'pb-made', '-o', 'json'])) as KubeObject & { data: Record<string, string> };
    expect(cm.data).toEqual({ mode: 'fast', size: '2' });
    const secret = JSON.parse(await ok(['get', 'secret', 's3-keys', '-n', 'pb-made', '-o', 'json'])) as KubeObject & { data: Record<string, string>; type: string };
    expect(secret.type).toBe('Opaque');
    expect(Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]))).toEqual({ AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's:e/c+r=t' });
    expect(await ok(['get', 'serviceaccount', 'robot', '-n', 'pb-made', '-o', 'jsonpath={.metadata.name}'])).toBe('robot');
    // a generator of a kind the sandbox does not decode says how to send it instead
    expect(await fails(['create', 'deployment', 'web', '-n', 'pb-made', '--image=nginx'])).toContain('send it as JSON or YAML (kubectl create -f, kubectl apply -f)');
  });

  it('a kind the sandbox does not serve', async () => {
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: {} };
    const err = await fails(['apply', '-n', ns, '-f', '-'], { input: stringify(monitor) });
    expect(err).toBe(
      `error: resource mapping not found for name: "m" namespace: "" from "STDIN": no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"\nensure CRDs are installed first`,
    );
  });
});

describe('deleting the postgresql CRD', () => {
  const ns = 'crd-gone';

  it('removes its objects, its discovery entry, and get pg errors', async () => {
    await ensureNamespace(ns);
    await ok(['apply', '-n', ns, '-f', fixturePath('minimal-postgres-manifest.yaml')]);
    const w = start(['get', 'pg', '-n', ns, '-w', '--output-watch-events']);
    try {
      await w.waitForLine('the ADDED line', (l) => l.startsWith('ADDED'));
      expect((await ok(['delete', '-f', fixturePath('postgresql.crd.yaml')])).trim()).toBe(
        'customresourcedefinition.apiextensions.k8s.io "postgresqls.acid.zalan.do" deleted',
      );
      await w.waitForLine('the DELETED line', (l) => /^DELETED\s+acid-minimal-cluster\s/.test(l));
    } finally {
      w.stop();
      await w.exit;
    }
    expect(apiResourceRow(await ok(['api-resources']), 'postgresqls')).toBeUndefined();
    const fresh = mkdtempSync(join(t.dir, 'cache-'));
    const r = await kubectl(['get', 'pg', '-n', ns], { cacheDir: fresh });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: the server doesn\'t have a resource type "pg"');
    // With discovery still cached, kubectl finds pg and the list itself is a 404.
    const stale = await kubectl(['get', 'postgresqls.acid.zalan.do', '-n', ns]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/NotFound|doesn't have a resource type/);

    // The objects went with the CRD: they do not return with it.
    await ok(['apply', '-f', fixturePath('postgresql.crd.yaml')]);
    expect(apiResourceRow(await ok(['api-resources', '--api-group=acid.zalan.do']), 'postgresqls')?.[1]).toBe('pg');
    const empty = await kubectl(['get', 'pg', '-n', ns]);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
    expect(empty.stderr.trim()).toBe(`No resources found in ${ns} namespace.`);
  });
});
