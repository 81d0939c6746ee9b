// `zpg demo` end to end, from the built binary as a user runs it: the sandbox,
// the operator and two sample clusters of real Patroni + PostgreSQL members,
// reached with client-node and kubectl through the kubeconfig it writes; real
// backups (a base backup and archived WAL that `zpg backups` lists) soon after
// the ready line; sample rows in acid-demo that keep coming; and a SIGTERM that leaves nothing behind. Also `--no-pods`:
// no members at all.
import * as k8s from '@kubernetes/client-node';
import { execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preflight } from '../../src/sandbox/patroni/member.ts';
import { eventually } from '../helpers/sandbox.ts';
import { exited, REPO, spawnZpg, waitForOutput, zpg } from '../helpers/zpg.ts';

const root = mkdtempSync(join(tmpdir(), 'zpg-demo-'));
chmodSync(root, 0o755); // members run as postgres when tests run as root
const KUBECTL = join(REPO, '.tools', 'bin', 'kubectl');
const READY = /^zpg demo: ready.*$/m;
const started: ChildProcess[] = [];

interface Demo {
  child: ChildProcess;
  dataDir: string;
  kubeconfig: string;
  output(): string;
}

function startDemo(name: string, extra: string[] = []): Demo {
  const dataDir = join(root, name);
  const kubeconfig = join(root, `${name}.kubeconfig`);
  const child = spawnZpg(['demo', '--headless', '--data-dir', dataDir, '--kubeconfig', kubeconfig, ...extra]);
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, dataDir, kubeconfig, output: () => out };
}

/** Processes whose command line names a path in dir: what a demo must not leave behind. */
function processesUnder(dir: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    })
    .filter((cmd) => cmd.includes(`${dir}/`));
}

async function stop(demo: Demo): Promise<number | null> {
  const code = exited(demo.child);
  demo.child.kill('SIGTERM');
  return code;
}

function clients(kubeconfig: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default' };
const isReady = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

beforeAll(() => {
  const pre = preflight();
  if (!pre.ok) throw new Error(pre.message);
});

afterAll(async () => {
  // A failed test may leave a demo running: SIGTERM first, so it stops its members itself.
  for (const child of started) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const done = await Promise.race([exited(child).then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
    if (!done) child.kill('SIGKILL');
  }
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('zpg demo', () => {
  it('runs two streaming clusters that kubectl reaches, backs them up, and stops everything on SIGTERM', async () => {
    const demo = startDemo('full');
    // a deadline for a hang: five members bootstrap in about 10 s on a quiet machine, backups on
    await waitForOutput(demo.child, READY, 90_000);
    const { core, custom } = clients(demo.kubeconfig);

    const pgs = (await custom.listNamespacedCustomObject(PG)) as { items: { metadata: { name: string }; status?: { PostgresClusterStatus?: string } }[] };
    expect(pgs.items.map((p) => p.metadata.name).sort()).toEqual(['acid-demo', 'acid-small']);
    expect(pgs.items.map((p) => p.status?.PostgresClusterStatus)).toEqual(['Running', 'Running']);

    const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'cluster-name' })).items;
    expect(pods).toHaveLength(5);
    expect(pods.every((p) => p.status?.phase === 'Running' && isReady(p))).toBe(true);
    for (const [cluster, size] of [['acid-demo', 3], ['acid-small', 2]] as const) {
      const members = pods.filter((p) => p.metadata?.labels?.['cluster-name'] === cluster);
      expect(members).toHaveLength(size);
      expect(members.filter((p) => p.metadata?.labels?.['spilo-role'] === 'master')).toHaveLength(1);
    }

    const exec = (pod: string, command: string[]) => promisify(execFile)(KUBECTL, ['--kubeconfig', demo.kubeconfig, 'exec', pod, '--', ...command], { env: { ...process.env, HOME: root }, timeout: 20_000 });
    const psql = await exec('acid-small-0', ['psql', '-tAc', 'select 1']);
    expect(psql.stdout.trim()).toBe('1');

    // Backups are on in the demo: each cluster's leader takes a base backup once its replicas stream, and
    // archives WAL; zpg backups finds them with no flags (the operator's ConfigMap and the clusters' spec.env).
    const backups = async (cluster: string) => {
      const r = await zpg(['--kubeconfig', demo.kubeconfig, 'backups', cluster, '-o', 'json'], { env: { WAL_S3_BUCKET: '', AWS_ENDPOINT: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ZPG_OPERATOR_CONFIG: '' } });
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { baseBackups: { id: string }[]; lastArchivedWal?: { segment: string } | null };
    };
    for (const cluster of ['acid-demo', 'acid-small']) {
      const cat = await eventually(`${cluster}: a base backup and archived WAL`, async () => {
        const c = await backups(cluster);
        return c.baseBackups.length > 0 && c.lastArchivedWal?.segment ? c : undefined;
      }, 90_000, 2_000);
      expect(cat!.baseBackups[0].id).toMatch(/^base_[0-9A-F]{24}$/);
    }

    // Sample data in acid-demo's foo, for restores and clones to show: 10,000 accounts, ticks that keep coming.
    const leader = pods.find((p) => p.metadata?.labels?.['cluster-name'] === 'acid-demo' && p.metadata?.labels?.['spilo-role'] === 'master')!.metadata!.name!;
    const counts = async () => {
      const r = await exec(leader, ['psql', '-d', 'foo', '-tAc', 'select (select count(*) from demo_accounts), (select count(*) from demo_ticks)']).catch(() => undefined);
      return r?.stdout.trim().split('|').map(Number);
    };
    const first = await eventually('acid-demo/foo: the sample tables', async () => {
      const c = await counts();
      return c?.[1] ? c : undefined;
    }, 60_000, 1_000);
    expect(first![0]).toBe(10_000);
    await eventually('acid-demo/foo: a newer tick', async () => ((await counts())?.[1] ?? 0) > first![1]! || undefined, 60_000, 1_000);

    const stoppedAt = Date.now();
    const code = await stop(demo);
    expect(code).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(30_000);
    expect(demo.output().match(new RegExp(READY.source, 'gm'))).toHaveLength(1);
    expect(demo.output()).toMatch(/^zpg demo: stopped$/m);
    expect(processesUnder(demo.dataDir)).toEqual([]);
  }, 240_000);

  it('--no-pods: the operator makes the StatefulSets, and their pods stay Pending', async () => {
    const demo = startDemo('nopods', ['--no-pods']);
    // a deadline for a hang, not a wait: under a full suite on 2 cores the start alone has taken over 30 s
    await waitForOutput(demo.child, READY, 120_000);
    const { core, apps } = clients(demo.kubeconfig);
    const sets = (await apps.listNamespacedStatefulSet({ namespace: 'default' })).items;
    expect(sets.map((s) => s.metadata?.name).sort()).toEqual(['acid-demo', 'acid-small']);
    await eventually('five Pending pods', async () => (await core.listNamespacedPod({ namespace: 'default' })).items.filter((p) => p.status?.phase === 'Pending').length === 5, 10_000, 200);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await core.listNamespacedPod({ namespace: 'default' })).items.every((p) => p.status?.phase === 'Pending' && !p.spec?.nodeName)).toBe(true);
    expect(await stop(demo)).toBe(0);
  }, 180_000);
});
