// `zpg demo --no-operator --no-clusters`: the sandbox alone, so an operator
// started separately (here `zpg --daemon`, as another build or configuration
// would be) can be tried against it.
import * as k8s from '@kubernetes/client-node';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/sandbox.ts';
import { exited, spawnZpg, waitForOutput } from '../helpers/zpg.ts';
import { manifest } from '../helpers/operator.ts';

const root = mkdtempSync(join(tmpdir(), 'zpg-world-alone-'));
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('zpg demo --no-operator --no-clusters', () => {
  it('starts the world alone, and an operator started separately reconciles in it', async () => {
    const kubeconfig = join(root, 'kubeconfig');
    const demo = spawnZpg(['demo', '--headless', '--no-pods', '--no-operator', '--no-clusters', '--data-dir', join(root, 'data'), '--kubeconfig', kubeconfig]);
    children.push(demo);
    let out = '';
    demo.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await waitForOutput(demo, /^zpg demo: ready.*the sandbox alone, no operator, no clusters/m, 30_000);
    expect(out).toMatch(/no operator \(--no-operator\)/);
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const pgs = (await custom.listClusterCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' })) as { items: unknown[] };
    expect(pgs.items).toEqual([]);
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    expect((await leases.listLeaseForAllNamespaces()).items).toEqual([]);

    const daemon = spawnZpg(['--daemon', '--kubeconfig', kubeconfig, '-n', 'zpg-system', '--config-map', 'postgres-operator', '--watched-namespace', '*', '--port', '0']);
    children.push(daemon);
    await eventually('the separate operator to take the lease', async () => (await leases.listLeaseForAllNamespaces()).items.some((l) => l.spec?.holderIdentity), 30_000, 200);
    await k8s.KubernetesObjectApi.makeApiClient(kc).create(manifest('minimal-postgres-manifest.yaml', 0, { name: 'acid-alone' }));
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    await eventually('its StatefulSet', () => apps.readNamespacedStatefulSet({ namespace: 'default', name: 'acid-alone' }), 30_000, 200);

    const daemonExit = exited(daemon);
    daemon.kill('SIGTERM');
    expect(await daemonExit).toBe(0);
    const demoExit = exited(demo);
    demo.kill('SIGTERM');
    expect(await demoExit).toBe(0);
    expect(out).toMatch(/^zpg demo: stopping S3 and the API$/m);
  }, 120_000);
});
