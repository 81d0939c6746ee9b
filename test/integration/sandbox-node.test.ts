// The sandbox's Node as its kubelet registers it, taints honoured as a cluster
// honours them, and `localhost` inside `kubectl exec` being the pod itself (as
// in a container: Spilo's scripts call localhost:8008), with kubectl 1.32.
import * as k8s from '@kubernetes/client-node';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { servePodExec } from '../../src/sandbox/kubelet/exec.ts';
import { Kubelet } from '../../src/sandbox/kubelet/kubelet.ts';
import { liveMembers, preflight } from '../../src/sandbox/patroni/member.ts';
import { runKubectl, type KubectlRun } from '../helpers/kubectl.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

const POD = 'nd-0';
let t: TestApi;
let kubelet: Kubelet;
let subnet: Subnet;
let core: k8s.CoreV1Api;
let bin: string;
const root = mkdtempSync(join(tmpdir(), 'zpg-node-'));
chmodSync(root, 0o755); // members run as postgres when tests run as root

const env = [
  { name: 'SCOPE', value: 'nd' },
  { name: 'PGUSER_SUPERUSER', value: 'postgres' },
  { name: 'PGPASSWORD_SUPERUSER', valueFrom: { secretKeyRef: { name: 'postgres.nd.credentials', key: 'password' } } },
  { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
  // one member, no failover under test: a DCS answer slowed by a loaded machine must not make it demote itself
  { name: 'SPILO_CONFIGURATION', value: JSON.stringify({ bootstrap: { dcs: { ttl: 30, loop_wait: 2, retry_timeout: 10 } } }) },
];
const podBody = (tolerations?: k8s.V1Toleration[]): k8s.V1Pod => ({
  metadata: { name: POD, labels: { application: 'spilo', 'cluster-name': 'nd' } },
  spec: { containers: [{ name: 'postgres', image: 'spilo', env }], ...(tolerations ? { tolerations } : {}) },
});

function kubectl(args: string[]): Promise<KubectlRun> {
  return runKubectl(bin, ['--kubeconfig', t.kubeconfig, '--cache-dir', join(t.dir, 'kube-cache'), ...args], { env: { ...process.env, HOME: t.dir }, label: args });
}

const pod = () => core.readNamespacedPod({ namespace: 'default', name: POD });
const gone = () => pod().then(() => false, (e: unknown) => e instanceof k8s.ApiException && e.code === 404);
const ready = async () => {
  const p = await pod();
  return p.metadata?.labels?.['spilo-role'] === 'master' && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
};
const setTaints = (taints: k8s.V1Taint[] | null) =>
  core.patchNode({ name: 'zpg-sandbox', body: { spec: { taints } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));

beforeAll(async () => {
  const pre = preflight();
  if (!pre.ok) throw new Error(pre.message);
  const script = pathToFileURL(resolve(fileURLToPath(import.meta.url), '..', '..', '..', 'scripts', 'kubectl.mjs')).href;
  bin = ((await import(script)) as { kubectlPath(): string }).kubectlPath();
  subnet = claimSubnet(30, 39);
  t = await startTestApi();
  kubelet = new Kubelet(t.api.registry, { root, kubeconfig: t.kubeconfig, deleter: t.api.http.deleter, subnet: subnet.octet, readinessIntervalMs: 500 });
  servePodExec(t.api.http, kubelet);
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'postgres.nd.credentials' }, stringData: { username: 'postgres', password: 'su-secret' } } });
  await core.createNamespacedPod({ namespace: 'default', body: podBody() });
  await eventually('the member leads and is ready', ready, 60_000, 250);
}, 90_000);

afterAll(async () => {
  await kubelet?.stop();
  await t?.close();
  subnet?.release();
  expect(liveMembers()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe('the node', () => {
  it('is served at /api/v1/nodes as the kubelet registered it, and kubectl shows it Ready', async () => {
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['zpg-sandbox']);
    const node = nodes.items[0]!;
    expect(node.metadata?.labels).toMatchObject({ 'kubernetes.io/hostname': 'zpg-sandbox', 'kubernetes.io/os': 'linux' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect((await pod()).spec?.nodeName).toBe('zpg-sandbox');
    const r = await kubectl(['get', 'nodes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\nzpg-sandbox\s+Ready\s+control-plane\s+\S+\s+v1\.32\.\S+\n$/);
  });
});

describe('localhost in kubectl exec', () => {
  it('reaches the pod\'s own Patroni with curl and its own PostgreSQL with psql -h localhost', async () => {
    const curl = await kubectl(['exec', POD, '--', 'curl', '-s', 'localhost:8008/patroni']);
    expect(curl.code, curl.stderr).toBe(0);
    expect(JSON.parse(curl.stdout)).toMatchObject({ state: 'running', role: 'master' });
    const psql = await kubectl(['exec', POD, '--', 'psql', '-h', 'localhost', '-tAc', 'select inet_server_addr()']);
    expect(psql.code, psql.stderr).toBe(0);
    expect(psql.stdout.trim()).toBe((await pod()).status?.podIP);
    const py = await kubectl(['exec', POD, '--', 'python3', '-c', 'import urllib.request,json;print(json.load(urllib.request.urlopen("http://localhost:8008/patroni"))["role"])']);
    expect(py).toMatchObject({ code: 0, stdout: 'master\n' });
  });
});

describe('taints', () => {
  it('NoExecute evicts the pod; a new one stays Pending until the taint goes, then runs', async () => {
    await setTaints([{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]);
    await eventually('the pod evicted', gone, 30_000, 250);
    await core.createNamespacedPod({ namespace: 'default', body: podBody() });
    const held = (await eventually('the new pod held back', async () => {
      const p = await pod();
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
    }, 10_000, 100))!;
    expect(held.status?.phase).toBe('Pending');
    expect(held.spec?.nodeName).toBeUndefined();
    expect(held.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({ reason: 'Unschedulable', message: expect.stringContaining('untolerated taint {dedicated: db}') });
    await setTaints(null);
    await eventually('the pod runs once the taint is gone', ready, 60_000, 250);
  });

  it('a pod that tolerates the taint keeps running', async () => {
    await core.deleteNamespacedPod({ namespace: 'default', name: POD });
    await eventually('the old pod gone', gone, 30_000, 250);
    await core.createNamespacedPod({ namespace: 'default', body: podBody([{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoExecute' }]) });
    await eventually('the tolerating pod ready', ready, 60_000, 250);
    await setTaints([{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]);
    // The kubelet acts on a taint in the turn after the write, before the PATCH's answer is read: an eviction would show now.
    expect(await gone()).toBe(false);
    expect((await pod()).metadata?.deletionTimestamp).toBeUndefined();
  });
});
