// Real backups in the sandbox: Spilo pods with WAL_S3_BUCKET archive WAL and
// take a base backup into s3rver in WAL-G's layout; the catalog lists them
// with a restorable window; a new replica restores the base backup from S3
// before streaming; a pod with CLONE_* env restores to a point in time and
// holds the rows written before it and none after.
import * as k8s from '@kubernetes/client-node';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { Kubelet } from '../../src/sandbox/kubelet/kubelet.ts';
import { liveMembers, preflight } from '../../src/sandbox/patroni/member.ts';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { readClusterBackups, type CatalogSettings, type ClusterBackups } from '../../src/services/backups/catalog.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

const BUCKET = 'zpg-backups';
const SOURCE_UID = '11111111-aaaa-4bbb-8ccc-000000000001';
const CLONE_UID = '11111111-aaaa-4bbb-8ccc-000000000002';
let t: TestApi;
let kubelet: Kubelet;
let s3server: S3Server;
let subnet: Subnet;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let settings: CatalogSettings;
const root = mkdtempSync(join(tmpdir(), 'zpg-backups-'));
chmodSync(root, 0o755); // members run as postgres when tests run as root

const baseEnv = (scope: string, uid: string, extra: { name: string; value: string }[] = []) => [
  { name: 'SCOPE', value: scope },
  { name: 'PGUSER_SUPERUSER', value: 'postgres' },
  { name: 'PGPASSWORD_SUPERUSER', valueFrom: { secretKeyRef: { name: 'postgres.bk.credentials', key: 'password' } } },
  { name: 'PGUSER_STANDBY', value: 'standby' },
  { name: 'PGPASSWORD_STANDBY', valueFrom: { secretKeyRef: { name: 'standby.bk.credentials', key: 'password' } } },
  { name: 'KUBERNETES_SCOPE_LABEL', value: 'cluster-name' },
  { name: 'KUBERNETES_ROLE_LABEL', value: 'spilo-role' },
  { name: 'KUBERNETES_LABELS', value: '{"application":"spilo"}' },
  { name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' },
  { name: 'SPILO_CONFIGURATION', value: JSON.stringify({ bootstrap: { dcs: { ttl: 10, loop_wait: 2, retry_timeout: 4 } } }) },
  // What the operator sends (wal_s3_bucket) and what pod_environment_configmap adds for a custom endpoint.
  { name: 'WAL_S3_BUCKET', value: BUCKET },
  { name: 'WAL_BUCKET_SCOPE_SUFFIX', value: `/${uid}` },
  { name: 'WAL_BUCKET_SCOPE_PREFIX', value: '' },
  { name: 'AWS_ENDPOINT', value: s3server.endpoint },
  { name: 'AWS_REGION', value: 'us-east-1' },
  { name: 'AWS_ACCESS_KEY_ID', value: 'S3RVER' },
  { name: 'AWS_SECRET_ACCESS_KEY', value: 'S3RVER' },
  ...extra,
];

async function createSet(name: string, replicas: number, env: unknown[]): Promise<void> {
  await apps.createNamespacedStatefulSet({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: {
        replicas,
        serviceName: name,
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'OnDelete' },
        selector: { matchLabels: { application: 'spilo', 'cluster-name': name } },
        template: { metadata: { labels: { application: 'spilo', 'cluster-name': name } }, spec: { containers: [{ name: 'postgres', image: 'spilo', env: env as k8s.V1EnvVar[] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'pgdata' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    },
  });
}

const pod = (name: string) => core.readNamespacedPod({ namespace: 'default', name }).catch(() => undefined);
const role = async (name: string) => (await pod(name))?.metadata?.labels?.['spilo-role'];

async function sql<T extends pg.QueryResultRow>(podName: string, text: string): Promise<T[]> {
  const ip = (await pod(podName))!.status!.podIP!;
  const c = new pg.Client({ host: ip, port: 5432, user: 'postgres', password: 'su-secret', database: 'postgres', connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

async function leaderOf(scope: string, n: number): Promise<string> {
  return eventually<string | undefined>(`a leader of ${scope}`, async () => {
    for (let i = 0; i < n; i++) if ((await role(`${scope}-${i}`)) === 'master') return `${scope}-${i}`;
    return undefined;
  }, 120_000, 500) as Promise<string>;
}

/** Switches WAL and waits until the switched segment is archived. */
async function archiveNow(podName: string): Promise<string> {
  const [{ seg }] = await sql<{ seg: string }>(podName, 'select pg_walfile_name(pg_switch_wal()) as seg');
  await eventually(`segment ${seg} archived`, async () => {
    const [{ last }] = await sql<{ last: string | null }>(podName, 'select last_archived_wal as last from pg_stat_archiver');
    return last !== null && last >= seg;
  }, 60_000, 500);
  return seg;
}

beforeAll(async () => {
  const pre = preflight();
  if (!pre.ok) throw new Error(pre.message);
  subnet = claimSubnet(27, 28);
  mkdirSync(join(root, 's3'));
  s3server = await startS3Server({ directory: join(root, 's3'), buckets: [BUCKET] });
  settings = { s3: createS3Client({ endpoint: s3server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }), walBucket: BUCKET };
  t = await startTestApi();
  kubelet = new Kubelet(t.api.registry, { root, kubeconfig: t.kubeconfig, deleter: t.api.http.deleter, subnet: subnet.octet, readinessIntervalMs: 500 });
  core = t.kc.makeApiClient(k8s.CoreV1Api);
  apps = t.kc.makeApiClient(k8s.AppsV1Api);
  for (const [name, password] of [['postgres.bk.credentials', 'su-secret'], ['standby.bk.credentials', 'repl-secret']]) {
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name }, stringData: { username: name.split('.')[0], password } } });
  }
  await createSet('bk', 2, baseEnv('bk', SOURCE_UID));
}, 60_000);

afterAll(async () => {
  await kubelet?.stop();
  await t?.close();
  await s3server?.stop();
  subnet?.release();
  expect(liveMembers()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('sandbox backups (the WAL-G stand-in)', () => {
  it('archives WAL and takes a base backup in WAL-G layout, which the catalog lists with a window', async () => {
    const leader = await leaderOf('bk', 2);
    const ref = { cluster: 'bk', uid: SOURCE_UID };
    const cat = await eventually<ClusterBackups | undefined>('a base backup in S3', async () => {
      const c = await readClusterBackups(settings, ref);
      return c.baseBackups.length ? c : undefined;
    }, 120_000, 1000).then((c) => c!);
    const b = cat.baseBackups[0];
    expect(cat.walPrefixes).toEqual([`spilo/bk/${SOURCE_UID}/wal/15/`]);
    expect(b).toMatchObject({ kind: 'base', format: 'wal-g', timeline: 1, pgVersion: expect.any(Number) });
    expect(b.id).toMatch(/^base_0000000100000000000000[0-9A-F]{2}$/);
    expect(b.systemIdentifier).toMatch(/^\d{19}$/);
    await sql(leader, 'create table t (id int primary key, batch text, at timestamptz default clock_timestamp())');
    const seg = await archiveNow(leader);
    const after = await readClusterBackups(settings, ref);
    expect(after.window.from).toBe(b.finishTime);
    expect(after.window.toSegment! >= seg).toBe(true);
    expect(after.window.gaps).toEqual([]);
    expect(after.lastArchivedWal?.segment).toBeDefined();
  }, 240_000);

  it('bootstraps a new replica from the latest base backup in S3, then streams from the leader', async () => {
    const leader = await leaderOf('bk', 2);
    await sql(leader, "insert into t (id, batch) select g, 'replica' from generate_series(1, 100) g");
    await apps.patchNamespacedStatefulSet({ namespace: 'default', name: 'bk', body: { spec: { replicas: 3 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await eventually('bk-2 is a replica', async () => (await role('bk-2')) === 'replica', 120_000, 500);
    await sql(leader, "insert into t (id, batch) values (1000, 'streamed')");
    await eventually('bk-2 has the streamed row', async () => (await sql<{ n: string }>('bk-2', "select count(*) as n from t where batch = 'streamed'"))[0].n === '1', 60_000, 500);
    const log = readFileSync(kubelet.memberOf('default', 'bk-2')!.logFile, 'utf8');
    expect(log).toMatch(/restored base_[0-9A-F]{24}/);
  }, 240_000);

  it('clones to a point in time: rows before it, none after', async () => {
    const leader = await leaderOf('bk', 2);
    await sql(leader, "insert into t (id, batch) select g, 'before' from generate_series(2001, 2050) g");
    const [{ now }] = await sql<{ now: Date }>(leader, 'select clock_timestamp() as now');
    await new Promise((r) => setTimeout(r, 1500)); // the target lies strictly between the two commits
    await sql(leader, "insert into t (id, batch) select g, 'after' from generate_series(3001, 3050) g");
    await archiveNow(leader);
    const target = new Date(now.getTime() + 500).toISOString().replace('Z', '+00:00');
    await createSet('bkc', 1, [
      ...baseEnv('bkc', CLONE_UID),
      { name: 'CLONE_SCOPE', value: 'bk' },
      { name: 'CLONE_METHOD', value: 'CLONE_WITH_WALE' },
      { name: 'CLONE_TARGET_TIME', value: target },
      { name: 'CLONE_WAL_S3_BUCKET', value: BUCKET },
      { name: 'CLONE_WAL_BUCKET_SCOPE_SUFFIX', value: `/${SOURCE_UID}` },
      { name: 'CLONE_WAL_BUCKET_SCOPE_PREFIX', value: '' },
    ]);
    await eventually('the clone leads', async () => (await role('bkc-0')) === 'master', 180_000, 1000).catch((e: Error) => {
      throw new Error(`${e.message}\n${kubelet.memberOf('default', 'bkc-0')?.logTail(40) ?? 'no member'}`);
    });
    const rows = await sql<{ batch: string; n: string }>('bkc-0', 'select batch, count(*) as n from t group by batch order by batch');
    expect(Object.fromEntries(rows.map((r) => [r.batch, Number(r.n)]))).toEqual({ before: 50, replica: 100, streamed: 1 });
    // The clone archives into its own prefix, on the timeline its promotion started.
    const cat = await eventually<ClusterBackups | undefined>('the clone backs itself up', async () => {
      const c = await readClusterBackups(settings, { cluster: 'bkc', uid: CLONE_UID });
      return c.baseBackups.length ? c : undefined;
    }, 120_000, 1000).then((c) => c!);
    expect(cat.baseBackups[0].timeline).toBeGreaterThan(1);
  }, 360_000);
});
