// The zpg binary as a user meets it: help, version, one-line usage errors,
// and `zpg sandbox api` serving a kubeconfig that kubectl-style clients can
// use, then stopping cleanly.
import * as k8s from '@kubernetes/client-node';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, spawnZpg, waitForOutput, zpg } from '../helpers/zpg.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zpg', () => {
  it('prints help with kubectl-style global flags', async () => {
    const r = await zpg(['--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--kubeconfig', '--context', '-n, --namespace', '-A, --all-namespaces', '--version']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('sandbox');
  });

  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect((await zpg(['--version'])).stdout.trim()).toBe(pkg.version);
  });

  it.each([
    [['backup', 'logical'], /name a cluster \(or set SCOPE/],
    [['restore', 'logical', 'acid-x', '--into', 'acid-y'], /--backup/],
  ])('zpg %j without what it needs says which flag and exits 2', async (args, said) => {
    const r = await zpg(args, { env: { CI: 'true', SCOPE: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(said);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('names the bad flag and exits 2 on a usage error', async () => {
    const r = await zpg(['sandbox', 'api', '--kubeconfig', join(dir, 'x'), '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port');
  });
});

describe('zpg sandbox api', () => {
  it('serves, writes a kubeconfig that client-node uses, and stops on SIGTERM', async () => {
    const kubeconfig = join(dir, 'kc.yaml');
    const child = spawnZpg(['sandbox', 'api', '--kubeconfig', kubeconfig]);
    try {
      const [, url] = await waitForOutput(child, /serving at (http:\/\/127\.0\.0\.1:\d+)/);
      expect(existsSync(kubeconfig)).toBe(true);
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfig);
      expect(kc.getCurrentCluster()?.server).toBe(url);
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
      expect(names).toEqual(expect.arrayContaining(['default', 'kube-system']));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });
});
