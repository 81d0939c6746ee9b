// `zpg restore clone` against the demo's world: the operator configured as
// `zpg demo` configures it (wal_s3_bucket, the demo S3 in the clusters'
// spec.env), real Patroni + PostgreSQL members archiving into s3rver. A clone
// at a time holds the rows written before it and none after; `zpg backups`
// needs no flags; a time outside the window is refused naming --time; a
// deleted cluster is cloned by its uid; --copy (a clone without a timestamp)
// copies the running source with pg_basebackup.
import * as k8s from '@kubernetes/client-node';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, installOperatorConfig } from '../../src/sandbox/demo/install.ts';
import { startDemoOperator, type DemoOperator } from '../../src/sandbox/demo/operator.ts';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { claimSubnet, type Subnet } from '../../src/sandbox/demo/subnet.ts';
import { S3_BUCKET, startWorld, type World } from '../../src/sandbox/demo/world.ts';
import { processesUnder } from '../../src/sandbox/patroni/processes.ts';
import { eventually } from '../helpers/sandbox.ts';
import { zpg } from '../helpers/zpg.ts';

const SOURCE = 'acid-src';
const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' } as const;
const dir = mkdtempSync(join(tmpdir(), 'zpg-clone-'));
chmodSync(dir, 0o755); // members run as postgres when tests run as root
let world: World;
let operator: DemoOperator;
let subnet: Subnet;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
let kubeconfig: string;

const run = (args: string[], timeoutMs = 120_000) => zpg(['--kubeconfig', kubeconfig, ...args], { timeoutMs, env: { WAL_S3_BUCKET: '', AWS_ENDPOINT: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', ZPG_OPERATOR_CONFIG: '' } });

async function sql<T extends pg.QueryResultRow>(cluster: string, text: string, namespace = 'default'): Promise<T[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `cluster-name=${cluster},spilo-role=master` });
  const ip = pods.items[0]?.status?.podIP;
  if (!ip) throw new Error(`${cluster} has no leader pod`);
  const secret = await core.readNamespacedSecret({ namespace, name: `postgres.${cluster}.credentials.postgresql.acid.zalan.do` });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  const c = new pg.Client({ host: ip, port: 5432, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

const running = (name: string, namespace = 'default') =>
  eventually(`${name} Running with a leader`, async () => {
    const obj = (await custom.getNamespacedCustomObject({ ...PG, namespace, name }).catch(() => undefined)) as { status?: { PostgresClusterStatus?: string } } | undefined;
    if (obj?.status?.PostgresClusterStatus !== 'Running') return false;
    return (await sql<{ ok: boolean }>(name, 'select not pg_is_in_recovery() as ok', namespace).catch(() => [{ ok: false }]))[0].ok;
  }, 300_000, 1000);

/**
 * A commit after every row so far and a WAL switch, archived: recovery can then reach any time before now.
 * S3 lists LastModified in whole seconds, so the window ends at the second the segment was uploaded in: the
 * switch waits for the second after `mark`, or an upload within the mark's own second would end the window before it.
 */
async function archiveNow(cluster: string, mark: string): Promise<void> {
  await eventually('the database clock in the second after the mark', async () => (await sql<{ ok: boolean }>(cluster, `select clock_timestamp() >= date_trunc('second', '${mark}'::timestamptz) + interval '1 s' as ok`))[0].ok, 10_000, 50);
  await sql(cluster, 'select txid_current()');
  const [{ seg }] = await sql<{ seg: string }>(cluster, 'select pg_walfile_name(pg_switch_wal()) as seg');
  await eventually(`${seg} archived`, async () => {
    const [{ last }] = await sql<{ last: string | null }>(cluster, 'select last_archived_wal as last from pg_stat_archiver');
    return last !== null && last >= seg;
  }, 120_000, 500);
}

/** The database's clock just after a commit, and then a later commit: the time lies strictly between them. */
async function markBetween(cluster: string, before: string, after: string): Promise<string> {
  await sql(cluster, before);
  const [{ t }] = await sql<{ t: string }>(cluster, "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as t");
  await eventually('the database clock past the mark', async () => (await sql<{ ok: boolean }>(cluster, `select clock_timestamp() > '${t}'::timestamptz + interval '100 ms' as ok`))[0].ok, 10_000, 50);
  await sql(cluster, after);
  return t;
}

const batches = async (cluster: string, namespace = 'default') => Object.fromEntries((await sql<{ batch: string; n: string }>(cluster, 'select batch, count(*) as n from t group by batch', namespace)).map((r) => [r.batch, Number(r.n)]));

beforeAll(async () => {
  subnet = claimSubnet(220, 229);
  kubeconfig = join(dir, 'kubeconfig');
  world = await startWorld({ dataDir: dir, kubeconfig, subnet: subnet.octet });
  installCrds(world.api.registry);
  // Exactly what zpg demo installs: the backup bucket in the configuration, the S3 keys in a Secret.
  const store = { endpoint: world.s3.endpoint, bucket: S3_BUCKET };
  installOperatorConfig(world.api.registry, store);
  operator = await startDemoOperator(kubeconfig, join(dir, 'operator.log'));
  kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.createNamespacedCustomObject({ ...PG, namespace: 'default', body: clusterManifest({ name: SOURCE, instances: 1 }, 'default', store) });
  await running(SOURCE);
}, 360_000);

afterAll(async () => {
  await operator?.stop();
  await world?.stop();
  subnet?.release();
  expect(processesUnder(dir).map((p) => p.pid)).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe('zpg restore clone', () => {
  it('clones at a time: the rows written before it and none after; zpg backups needs no flags', async () => {
    // The leader's first base backup: a clone needs one uploaded before its time. No flags, no env: the demo's
    // settings come from the operator's ConfigMap and the cluster's spec.env.
    const backups = async () => {
      const r = await run(['backups', SOURCE, '-o', 'json']);
      if (r.code !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { window: { from: string | null; to: string | null }; baseBackups: { modified: string }[] };
    };
    await eventually('a base backup in zpg backups', async () => (await backups()).baseBackups.length > 0, 180_000, 2000);
    await sql(SOURCE, 'create table t (id serial primary key, batch text)');
    const at = await markBetween(SOURCE, "insert into t (batch) select 'before' from generate_series(1, 50)", "insert into t (batch) select 'after' from generate_series(1, 50)");
    await archiveNow(SOURCE, at);
    const cat = await eventually('the window past the time', async () => {
      const c = await backups();
      return c.window.to && Date.parse(c.window.to) > Date.parse(at) ? c : undefined;
    }, 120_000, 2000);
    expect(Date.parse(cat!.window.from!)).toBeLessThan(Date.parse(at));

    const preview = await run(['restore', 'clone', SOURCE, '--to', 'acid-pitr', '--time', at]);
    expect(preview.stderr).toMatch(/base backup: base_[0-9A-F]{24} \(finished .*the newest uploaded before the time\)/);
    expect(preview.stderr).toMatch(/WAL: +[0-9A-F]{24} → [0-9A-F]{24} \(timeline 1\)/);
    expect(preview.stderr).toContain(`(UTC) means ${at}`);
    expect(preview.stderr).not.toContain('S3RVER');
    expect(preview.code).toBe(0);
    const manifest = parse(preview.stdout) as { spec: { clone: Record<string, unknown> } };
    expect(manifest.spec.clone).toMatchObject({ cluster: SOURCE, timestamp: at.replace('Z', '+00:00'), s3_endpoint: world.s3.endpoint, s3_force_path_style: true });
    expect(preview.stdout).toContain(`timestamp: "${at.replace('Z', '+00:00')}"`);

    const early = await run(['restore', 'clone', SOURCE, '--to', 'acid-pitr', '--time', '2020-01-01T00:00:00Z']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^zpg: --time 2020-01-01T00:00:00Z \(2020-01-01T00:00:00Z\): before the oldest base backup of acid-src; the restorable window is \S+ → \S+\n$/);

    const applied = await run(['restore', 'clone', SOURCE, '--to', 'acid-pitr', '--time', at, '--apply'], 600_000);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('✓ create postgresql default/acid-pitr');
    expect(applied.stdout).toMatch(/acid-pitr is Running: acid-src restored to /);
    expect(await batches('acid-pitr')).toEqual({ before: 50 });
  }, 900_000);

  it('clones the present with --latest --apply: every row committed before the command', async () => {
    await sql(SOURCE, "insert into t (batch) select 'now' from generate_series(1, 7)");
    const applied = await run(['restore', 'clone', SOURCE, '--to', 'acid-now', '--latest', '--apply'], 600_000);
    expect(applied.code, applied.stderr).toBe(0);
    // the mark archived and the clone planned at it (once its segment was listed within the mark's own second,
    // the step was skipped as "after the end of the restorable window")
    expect(applied.stdout).toMatch(/✓ archive the present of acid-src \(a commit and a WAL switch\) \([\d.]+s\): [0-9A-F]{24} archived by acid-src-0; --latest is \S+Z\n/);
    expect(await batches('acid-now')).toEqual({ before: 50, after: 50, now: 7 });
  }, 900_000);

  it('clones into another namespace: names the Secrets its env needs there, then restores once they are there', async () => {
    await core.createNamespace({ body: { metadata: { name: 'staging' } } });
    const refused = await run(['restore', 'clone', SOURCE, '--to', 'acid-stg', '--to-namespace', 'staging', '--latest']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--to-namespace staging: acid-stg's env takes values from Secret \S+ \(key AWS_ACCESS_KEY_ID\), Secret \S+ \(key AWS_SECRET_ACCESS_KEY\), which staging does not have: copy them from default to staging first/);
    // the S3 keys copied over, as the message asks
    const name = /Secret (\S+) \(key AWS_ACCESS_KEY_ID\)/.exec(refused.stderr)![1];
    const keys = await core.readNamespacedSecret({ namespace: 'default', name });
    await core.createNamespacedSecret({ namespace: 'staging', body: { metadata: { name }, data: keys.data } });
    const planned = await run(['restore', 'clone', SOURCE, '--to', 'acid-stg', '--to-namespace', 'staging', '--latest']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stderr).toContain(`clone of default/${SOURCE}`);
    expect(planned.stderr).toContain('into staging/acid-stg');
    expect(parse(planned.stdout).metadata).toEqual({ name: 'acid-stg', namespace: 'staging' });
    // in another namespace the source's own name is free
    const sameName = await run(['restore', 'clone', SOURCE, '--to', SOURCE, '--to-namespace', 'staging', '--latest']);
    expect(sameName.code, sameName.stderr).toBe(0);
    expect(parse(sameName.stdout).metadata).toEqual({ name: SOURCE, namespace: 'staging' });
    const expected = await batches(SOURCE);
    const applied = await run(['restore', 'clone', SOURCE, '--to', 'acid-stg', '--to-namespace', 'staging', '--latest', '--apply'], 600_000);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('create postgresql staging/acid-stg');
    await running('acid-stg', 'staging');
    expect(await batches('acid-stg', 'staging')).toEqual(expected);
    await custom.deleteNamespacedCustomObject({ ...PG, namespace: 'staging', name: 'acid-stg' });
  }, 900_000);

  it("copies a running cluster with --copy: Zalando's clone without a timestamp, pg_basebackup from its leader", async () => {
    // a commit just before the copy, in a table of its own (the next test counts t)
    await sql(SOURCE, 'create table copied as select 3 as n');
    const expected = await batches(SOURCE);
    // the plan: spec.clone names the source alone, nothing of S3
    const planned = await run(['restore', 'clone', SOURCE, '--to', 'acid-copy', '--copy']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(parse(planned.stdout).spec.clone).toEqual({ cluster: SOURCE });
    expect(planned.stderr).toContain(`apply with:  zpg restore clone ${SOURCE} --to acid-copy --copy --apply`);
    const mixed = await run(['restore', 'clone', SOURCE, '--to', 'acid-copy', '--copy', '--latest']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('--copy: a copy is of the running cluster');
    const elsewhere = await run(['restore', 'clone', SOURCE, '--to', 'acid-copy', '--copy', '--to-namespace', 'staging']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain("--copy and --to-namespace staging: a copy reaches its source by the Service name in its own namespace");

    const applied = await run(['restore', 'clone', SOURCE, '--to', 'acid-copy', '--copy', '--apply'], 600_000);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/acid-copy is Running: acid-src copied from its leader \(pg_basebackup\)/);
    // no mark of the present: a copy streams it
    expect(applied.stdout).not.toContain('archive the present');
    // every row the source had, none lost and no empty initdb in its place
    expect(await batches('acid-copy')).toEqual(expected);
    expect(await sql<{ n: number }>('acid-copy', 'select n from copied')).toEqual([{ n: 3 }]);
    // a copy of the source itself (same system), started as its own primary
    const system = (c: string) => sql<{ id: string }>(c, 'select system_identifier::text as id from pg_control_system()');
    expect((await system('acid-copy'))[0].id).toBe((await system(SOURCE))[0].id);
    await custom.deleteNamespacedCustomObject({ ...PG, namespace: 'default', name: 'acid-copy' });
  }, 600_000);

  it('clones a deleted cluster by its uid', async () => {
    const source = (await custom.getNamespacedCustomObject({ ...PG, namespace: 'default', name: SOURCE })) as { metadata: { uid: string } };
    const uid = source.metadata.uid;
    const at = await markBetween(SOURCE, "insert into t (batch) select 'late' from generate_series(1, 5)", "insert into t (batch) select 'too-late' from generate_series(1, 5)");
    await archiveNow(SOURCE, at);
    await custom.deleteNamespacedCustomObject({ ...PG, namespace: 'default', name: SOURCE });
    await eventually(`${SOURCE}'s pods gone`, async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${SOURCE}` })).items.length === 0, 120_000, 1000);

    const deleted = await run(['backups', '--deleted', '-o', 'json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toContainEqual({ cluster: SOURCE, uid });

    const missing = await run(['restore', 'clone', SOURCE, '--to', 'acid-back', '--time', at]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('for a deleted cluster pass --uid');

    const applied = await run(['restore', 'clone', SOURCE, '--uid', uid, '--to', 'acid-back', '--time', at, '--apply'], 600_000);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/acid-back is Running/);
    expect(await batches('acid-back')).toEqual({ before: 50, after: 50, now: 7, late: 5 });
  }, 900_000);
});
