// The deploy/ kustomize base as the real kubectl 1.32 renders it: the objects,
// least-privilege RBAC and the operator Deployment; then applied to the sandbox
// API, which must then serve the postgresql CRD and take v2 and v1.15.1 manifests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/sandbox/api/types.ts';
import { fixturePath, loadFixture } from '../helpers/fixtures.ts';
import { runKubectl, type KubectlRun as Run } from '../helpers/kubectl.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NS = 'zpg-system';
const CLUSTER_SCOPED = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding']);


let bin: string;
/** HOME for kubectl runs without a sandbox: nothing is read from or written to the user's ~/.kube. */
let home: string;
let rendered: string;
let objects: KubeObject[];

function kubectl(args: string[], opts: { input?: string; api?: TestApi } = {}): Promise<Run> {
  const dir = opts.api?.dir ?? home;
  const target = opts.api ? ['--kubeconfig', opts.api.kubeconfig, '--cache-dir', join(dir, 'kube-cache')] : [];
  // HOME away from the user's ~/.kube; no KUBECONFIG but the sandbox's.
  const env = { ...process.env, HOME: dir, KUBECONFIG: opts.api?.kubeconfig ?? join(dir, 'no-kubeconfig') };
  return runKubectl(bin, [...target, ...args], { env, cwd: repo, input: opts.input, label: args });
}

async function ok(args: string[], opts: { input?: string; api?: TestApi } = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const find = (kind: string, name: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`kubectl kustomize deploy renders no ${kind} ${name}`);
  return o;
};

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

const rulesOf = (o: KubeObject) => (o as KubeObject & { rules: Rule[] }).rules;

/** A role's grants as `group/resource[/name]: verb` lines, sorted: order and grouping do not matter. */
function grants(rules: Rule[]): string[] {
  const out = new Set<string>();
  for (const r of rules) {
    for (const g of r.apiGroups ?? ['']) {
      for (const res of r.resources ?? []) {
        for (const name of r.resourceNames?.length ? r.resourceNames : ['']) {
          for (const v of r.verbs) out.add(`${g || 'core'}/${res}${name ? `/${name}` : ''}: ${v}`);
        }
      }
    }
  }
  return [...out].sort();
}

const table = (spec: Record<string, string>): string[] =>
  Object.entries(spec).flatMap(([what, verbs]) => verbs.split(' ').map((v) => `${what}: ${v}`)).sort();

const CRUD = 'get list watch create patch update delete';

/** Everything the operator may do, and nothing else. */
const OPERATOR_GRANTS = table({
  'acid.zalan.do/postgresqls': 'get list watch patch update',
  'acid.zalan.do/postgresqls/status': 'get patch update',
  'acid.zalan.do/operatorconfigurations': 'get list watch',
  'acid.zalan.do/postgresteams': 'get list watch',
  'apps/statefulsets': CRUD,
  // connection poolers
  'apps/deployments': CRUD,
  'core/services': CRUD,
  'core/endpoints': CRUD,
  'core/secrets': CRUD,
  'policy/poddisruptionbudgets': CRUD,
  'batch/cronjobs': CRUD,
  'core/pods': 'get list watch patch delete',
  // create for SPDY and 1.35+, get for WebSocket upgrades (client-node) before 1.35
  'core/pods/exec': 'create get',
  'core/pods/portforward': 'create get',
  'core/persistentvolumeclaims': 'get list watch delete patch',
  'core/configmaps': CRUD,
  'core/events': 'create patch',
  'events.k8s.io/events': 'create patch',
  'core/serviceaccounts': 'get create patch',
  'rbac.authorization.k8s.io/rolebindings': 'get create patch',
  // RBAC refuses a RoleBinding to rights the binder lacks, unless it may bind that role
  'rbac.authorization.k8s.io/clusterroles/postgres-pod': 'bind',
  'core/nodes': 'get list watch',
});

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'zpg-deploy-'));
  // Through a variable: scripts/ is plain JS without types, and this is all we need of it.
  const script = pathToFileURL(join(repo, 'scripts', 'kubectl.mjs')).href;
  const mod = (await import(script)) as { kubectlPath(): string };
  bin = mod.kubectlPath();
  rendered = await ok(['kustomize', 'deploy']);
  objects = parseAllDocuments(rendered).map((d) => d.toJS() as KubeObject);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kubectl kustomize deploy', () => {
  it('renders exactly the objects of the base', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'Namespace/zpg-system',
        'CustomResourceDefinition/postgresqls.acid.zalan.do',
        'CustomResourceDefinition/operatorconfigurations.acid.zalan.do',
        'CustomResourceDefinition/postgresteams.acid.zalan.do',
        'ServiceAccount/zpg-operator',
        'ClusterRole/zpg-operator',
        'ClusterRoleBinding/zpg-operator',
        'Role/zpg-operator-leader-election',
        'RoleBinding/zpg-operator-leader-election',
        'ClusterRole/postgres-pod',
        'ConfigMap/postgres-operator',
        'Deployment/zpg-operator',
        'Service/zpg-operator',
      ].sort(),
    );
  });

  it('puts every namespaced object in zpg-system, labels everything for zpg', () => {
    for (const o of objects) {
      const where = `${o.kind}/${o.metadata.name}`;
      if (CLUSTER_SCOPED.has(String(o.kind))) expect(o.metadata.namespace, where).toBeUndefined();
      else expect(o.metadata.namespace, where).toBe(NS);
      expect(o.metadata.labels?.['app.kubernetes.io/name'], where).toBe('zpg');
    }
  });

  it('grants the operator exactly what it needs: no wildcard, no deletecollection, no CRD writes', () => {
    const role = find('ClusterRole', 'zpg-operator');
    for (const r of rulesOf(role)) {
      expect([...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs]).not.toContain('*');
      if (r.resources?.includes('secrets')) expect(r.verbs).not.toContain('*');
    }
    expect(grants(rulesOf(role))).toEqual(OPERATOR_GRANTS);
  });

  it('binds the operator role to the zpg-operator service account', () => {
    for (const [kind, roleKind, name] of [
      ['ClusterRoleBinding', 'ClusterRole', 'zpg-operator'],
      ['RoleBinding', 'Role', 'zpg-operator-leader-election'],
    ]) {
      const b = find(kind, name) as KubeObject & { roleRef: unknown; subjects: unknown };
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'zpg-operator', namespace: NS }]);
    }
  });

  it('lets the operator hold the leader Lease zpg-operator in its namespace, and nothing more', () => {
    const role = find('Role', 'zpg-operator-leader-election');
    expect(grants(rulesOf(role))).toEqual(
      table({ 'coordination.k8s.io/leases': 'create', 'coordination.k8s.io/leases/zpg-operator': 'get update' }),
    );
  });

  it("gives Spilo pods the postgres-pod role of Zalando's RBAC manifest", () => {
    const zalando = loadFixture('operator-service-account-rbac.yaml').find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'postgres-pod');
    expect(grants(rulesOf(find('ClusterRole', 'postgres-pod')))).toEqual(grants(rulesOf(zalando!)));
  });

  it('runs two zpg --daemon replicas, locked down, configured through env', () => {
    const spec = find('Deployment', 'zpg-operator').spec as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    };
    expect(spec.replicas).toBe(2);
    expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
    const pod = spec.template.spec;
    expect(pod.serviceAccountName).toBe('zpg-operator');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c.image).toBe('ghcr.io/zpg/zpg:latest');
    expect(c.args).toEqual(['--daemon']);
    expect(c.command).toBeUndefined();
    expect(c.env).toEqual([
      { name: 'CONFIG_MAP_NAME', value: 'postgres-operator' },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'WATCHED_NAMESPACE', value: '*' },
    ]);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('exposes port 8080 of the operator pods in a Service', () => {
    const svc = find('Service', 'zpg-operator') as KubeObject & { spec: { selector: Record<string, string>; ports: unknown[] } };
    const d = find('Deployment', 'zpg-operator') as KubeObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(d.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
  });

  it('configures the operator through the postgres-operator ConfigMap', () => {
    const cm = find('ConfigMap', 'postgres-operator') as KubeObject & { data: Record<string, string> };
    expect(cm.data).toMatchObject({
      kubernetes_use_configmaps: 'true',
      watched_namespace: '*',
      docker_image: 'ghcr.io/zalando/spilo-18:4.1-p2',
      workers: '8',
      resync_period: '30m',
      // the operator may not write CRDs: they come from deploy/crds
      enable_crd_registration: 'false',
    });
  });
});

describe('the rendered base applied to the sandbox API', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());

  it('applies server-side, every object in one go', async () => {
    const out = await ok(['apply', '--server-side', '-f', '-'], { input: rendered, api: t });
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    for (const l of lines) expect(l).toMatch(/ serverside-applied$/);
    expect(lines).toContain('customresourcedefinition.apiextensions.k8s.io/postgresqls.acid.zalan.do serverside-applied');
    expect(lines).toContain('deployment.apps/zpg-operator serverside-applied');
  });

  it('serves the postgresql CRD', async () => {
    const out = await ok(['get', 'crd', 'postgresqls.acid.zalan.do'], { api: t });
    expect(out).toMatch(/^NAME\s+CREATED AT\npostgresqls\.acid\.zalan\.do\s+\S+\n$/);
    const established = await ok(['get', 'crd', 'postgresqls.acid.zalan.do', '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}'], { api: t });
    expect(established).toBe('True');
  });

  it('takes the minimal v2 manifest and the complete v1.15.1 one', async () => {
    await ok(['apply', '-f', '-'], { input: stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pg' } }), api: t });
    for (const file of ['minimal-postgres-manifest.yaml', 'complete-postgres-manifest.v1.15.1.yaml']) {
      const [doc] = loadFixture(file);
      const name = String(doc.metadata.name);
      const out = await ok(['apply', '-n', 'pg', '-f', fixturePath(file)], { api: t });
      expect(out.trim()).toBe(`postgresql.acid.zalan.do/${name} created`);
      const stored = JSON.parse(await ok(['get', 'pg', name, '-n', 'pg', '-o', 'json'], { api: t })) as KubeObject;
      expect(stored.spec).toEqual(doc.spec);
    }
  });

  it('keeps the four fields v2.0 dropped, which the v2.0.1 CRD alone would prune', async () => {
    const [doc] = loadFixture('minimal-postgres-manifest.yaml');
    const spec = {
      ...(doc.spec as Record<string, unknown>),
      postgresql: { version: '13' },
      useLoadBalancer: true,
      replicaLoadBalancer: true,
      pod_priority_class_name: 'spilo-pod-priority',
      init_containers: [{ name: 'date', image: 'busybox', command: ['/bin/date'] }],
    };
    const manifest = { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: 'acid-old-style' }, spec };
    await ok(['apply', '--server-side', '-n', 'pg', '-f', '-'], { input: stringify(manifest), api: t });
    const stored = JSON.parse(await ok(['get', 'pg', 'acid-old-style', '-n', 'pg', '-o', 'json'], { api: t })) as KubeObject;
    expect(stored.spec).toEqual(spec);
  });

  it('re-applies without a write', async () => {
    const before = await ok(['get', '-A', 'deploy,cm,sa,svc,role,rolebinding', '-o', 'jsonpath={.items[*].metadata.resourceVersion}'], { api: t });
    await ok(['apply', '--server-side', '-f', '-'], { input: rendered, api: t });
    expect(await ok(['get', '-A', 'deploy,cm,sa,svc,role,rolebinding', '-o', 'jsonpath={.items[*].metadata.resourceVersion}'], { api: t })).toBe(before);
  });
});

describe('kubectl apply -k deploy/ (client-side, as the README says)', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(async () => t?.close());

  it('creates every object, then finds them unchanged', async () => {
    const created = (await ok(['apply', '-k', 'deploy/'], { api: t })).trim().split('\n');
    expect(created).toHaveLength(objects.length);
    for (const l of created) expect(l).toMatch(/ created$/);
    const again = (await ok(['apply', '-k', 'deploy/'], { api: t })).trim().split('\n');
    for (const l of again) expect(l).toMatch(/ unchanged$/);
  });
});
