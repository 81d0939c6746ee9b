// The operator as a user runs it from the built binary: `zpg render` offline,
// and `zpg --daemon` against a cluster, stopping cleanly on SIGTERM.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestApi } from '../helpers/sandbox.ts';
import { manifest, startOperatorApi } from '../helpers/operator.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { exited, spawnZpg, waitForOutput, zpg } from '../helpers/zpg.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zpg render', () => {
  it('prints every object for a manifest under a ConfigMap, passwords as placeholders', async () => {
    const r = await zpg(['render', '-f', fixturePath('complete-postgres-manifest.yaml'), '--config', fixturePath('configmap.yaml')]);
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: { name: string }; stringData?: { password: string } });
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['ServiceAccount', 'RoleBinding', 'Endpoints', 'Service', 'Secret', 'PodDisruptionBudget', 'StatefulSet']));
    expect(docs.filter((d) => d.kind === 'Secret').every((d) => d.stringData?.password === '<generated on create>')).toBe(true);
    expect(r.stdout).not.toMatch(/&a\d|\*a\d/); // no YAML anchors: every object stands alone for a diff
  });

  it('reads an OperatorConfiguration and prints a JSON List', async () => {
    const r = await zpg(['render', '-f', fixturePath('minimal-postgres-manifest.yaml'), '--config', fixturePath('postgresql-operator-default-configuration.yaml'), '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { kind: string; spec?: { template?: { spec: { containers: { env: { name: string }[] }[] } } } }[] };
    expect(list.kind).toBe('List');
    const sts = list.items.find((i) => i.kind === 'StatefulSet')!;
    // kubernetes_use_configmaps: true in that configuration
    expect(sts.spec!.template!.spec.containers[0]!.env.map((e) => e.name)).toContain('KUBERNETES_USE_CONFIGMAPS');
    expect(list.items.some((i) => i.kind === 'Endpoints')).toBe(false);
  });

  it('names the field and exits 1 for an invalid manifest', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: acid.zalan.do/v1\nkind: postgresql\nmetadata: {name: acid-bad}\nspec: {teamId: acid, numberOfInstances: 2, postgresql: {version: "11"}, volume: {size: 1Gi}}\n');
    const r = await zpg(['render', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/spec\.postgresql\.version: "11" is not supported; use one of 13, 14/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('says what is wrong with the inputs', async () => {
    expect((await zpg(['render', '-f', join(dir, 'nope.yaml')])).stderr).toMatch(/nope\.yaml: no such file/);
    const r = await zpg(['render', '-f', fixturePath('minimal-postgres-manifest.yaml'), '--config', fixturePath('minimal-postgres-manifest.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expected a ConfigMap or an OperatorConfiguration, found kind "postgresql"/);
    const badConfig = join(dir, 'cm.yaml');
    writeFileSync(badConfig, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: postgres-operator}\ndata: {resync_period: soon}\n');
    expect((await zpg(['render', '-f', fixturePath('minimal-postgres-manifest.yaml'), '--config', badConfig])).stderr).toMatch(/resync_period: "soon" is not a duration/);
  });
});

describe('zpg --daemon', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startOperatorApi();
  });
  afterAll(async () => t?.close());

  it('reconciles a manifest, serves /metrics, and on SIGTERM stops and releases its lease', async () => {
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    await k8s.KubernetesObjectApi.makeApiClient(t.kc).create(manifest('minimal-postgres-manifest.yaml'));
    const child = spawnZpg(['--daemon', '--kubeconfig', t.kubeconfig, '--port', '0'], { POD_NAMESPACE: 'default', WATCHED_NAMESPACE: '*' });
    try {
      const [, port] = await waitForOutput(child, /"msg":"daemon started".*"port":(\d+)/);
      await eventually('status written', async () => {
        const pg = (await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', name: 'acid-minimal-cluster' })) as { status?: { PostgresClusterStatus?: string } };
        return pg.status?.PostgresClusterStatus === 'Creating';
      }, 15_000, 100);
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(/zpg_leader 1/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
    const lease = await t.kc.makeApiClient(k8s.CoordinationV1Api).readNamespacedLease({ namespace: 'default', name: 'zpg-operator' });
    expect(lease.spec?.holderIdentity ?? '').toBe('');
  }, 30_000);
});
