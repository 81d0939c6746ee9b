// `zpg list` and `zpg status` against the sandbox API: the rows a script reads,
// built from the manifest and from what the pods (and Patroni's pod
// annotation) show; unknown clusters and unreachable APIs fail in one line.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/fixtures.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { zpg } from '../helpers/zpg.ts';

let t: TestApi;
const run = (...args: string[]) => zpg(['--kubeconfig', t.kubeconfig, ...args]);

function memberPod(name: string, role: 'master' | 'replica', ip: string, xlog: number) {
  return {
    metadata: {
      name,
      labels: { application: 'spilo', 'cluster-name': 'acid-minimal-cluster', team: 'acid', 'spilo-role': role },
      annotations: { status: JSON.stringify({ conn_url: `postgres://${ip}:5432/postgres`, state: 'running', role, version: '3.0.2', xlog_location: xlog, timeline: 3 }) },
    },
    spec: { containers: [{ name: 'postgres', image: 'spilo' }] },
  };
}

beforeAll(async () => {
  t = await startTestApi();
  const ext = t.kc.makeApiClient(k8s.ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({ body: loadFixture('postgresql.crd.yaml')[0] as unknown as k8s.V1CustomResourceDefinition });
  const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', body: loadFixture('minimal-postgres-manifest.yaml')[0] });
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  for (const [i, role] of (['master', 'replica'] as const).entries()) {
    const name = `acid-minimal-cluster-${i}`;
    await core.createNamespacedPod({ namespace: 'default', body: memberPod(name, role, `127.0.50.${i + 1}`, 1000) });
    await core.patchNamespacedPodStatus(
      { namespace: 'default', name, body: { status: { phase: 'Running', podIP: `127.0.50.${i + 1}`, conditions: [{ type: 'Ready', status: 'True' }] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }
});
afterAll(async () => t?.close());

describe('zpg list', () => {
  it('prints the clusters table with members, leader and status', async () => {
    const r = await run('list');
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+TEAM\s+VERSION\s+MEMBERS\s+LEADER/);
    expect(row).toMatch(/^acid-minimal-cluster\s+acid\s+18\s+2\/2\s+acid-minimal-cluster-0\s/);
  });

  it('gives scripts stable JSON, across all namespaces with -A', async () => {
    const rows = JSON.parse((await run('list', '-A', '-o', 'json')).stdout) as Record<string, unknown>[];
    expect(rows).toEqual([expect.objectContaining({ name: 'acid-minimal-cluster', namespace: 'default', ready: 2, total: 2, wanted: 2, leader: 'acid-minimal-cluster-0', health: 'Healthy' })]);
  });

  it('is what `zpg` prints once when stdout is not a terminal', async () => {
    const r = await run();
    expect(r.code).toBe(0);
    const withoutAge = (text: string) => text.replace(/\s+\S+$/gm, '');
    expect(withoutAge(r.stdout)).toBe(withoutAge((await run('list')).stdout));
    expect(r.stdout).toContain('acid-minimal-cluster');
  });

  it('rejects an unknown output format naming the flag', async () => {
    const r = await run('list', '-o', 'xml');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('-o xml');
  });
});

describe('a bad -o', () => {
  it('is a usage error (exit 2, as the README says) in every read command', async () => {
    for (const args of [['list'], ['status', 'acid-minimal-cluster'], ['history', 'acid-minimal-cluster'], ['backups', 'acid-minimal-cluster']]) {
      const r = await run(...args, '-o', 'xml');
      expect([args[0], r.code]).toEqual([args[0], 2]);
      expect(r.stderr).toMatch(/^zpg: -o xml: unknown output format; use one of /);
    }
  });
});

describe('zpg status', () => {
  it('prints members with Patroni role and state words as JSON', async () => {
    const r = await run('status', 'acid-minimal-cluster', '-o', 'json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { name: string; namespace: string; members: Record<string, unknown>[] };
    expect(s).toMatchObject({ name: 'acid-minimal-cluster', namespace: 'default' });
    expect(s.members.map((m) => [m.name, m.role, m.state, m.timeline])).toEqual([
      ['acid-minimal-cluster-0', 'leader', 'running', 3],
      ['acid-minimal-cluster-1', 'replica', 'running', 3],
    ]);
  });

  it('names an unknown cluster in one line and exits non-zero', async () => {
    const r = await run('status', 'acid-nope');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('zpg: cluster "acid-nope" not found in namespace default');
  });

  it('says what to do when the API is unreachable, without a stack trace', async () => {
    const r = await zpg(['--kubeconfig', t.kubeconfig, '--context', 'nope', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--context nope: no such context');
  });
});
