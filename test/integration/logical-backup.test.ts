// Logical backups end to end, through the zpg binary against real Patroni +
// PostgreSQL members and the sandbox's S3: Zalando's pg_dumpall .sql.gz and
// zpg's sets round-trip with every table's checksum equal; a pg_dumpall killed
// mid-way (or a pg_dump that fails) leaves no backup listed and no multipart
// upload open; a restore never overwrites a database without --force and
// --yes; a deleted cluster's backup restores by --uid; retention deletes only
// this cluster's backups beyond the count and nothing else in the folder.
import { GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { S3_BUCKET } from '../../src/sandbox/demo/world.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { memberTransports } from '../../src/services/patroni/transports.ts';
import { loadFacts, type TaskEnv } from '../../src/services/tasks/facts.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';
import { zpg as run, type RunResult } from '../helpers/zpg.ts';

const NAME = 'acid-logical';
const PG_BIN = '/usr/lib/postgresql/15/bin';
let w: MemberWorld;
let env: TaskEnv;
let s3: S3Client;
let uid: string;
let password: string;
let dir: string;

const s3env = () => ({ WAL_S3_BUCKET: S3_BUCKET, AWS_ENDPOINT: w.world.s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
const zpg = (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
  run(['--kubeconfig', w.world.kubeconfig, ...args], { timeoutMs: 300_000, env: { ZPG_CONFIG: join(w.dir, 'no-config.yaml'), CI: 'true', ...s3env(), ...extra } });
const json = <T>(r: RunResult): T => {
  if (r.code !== 0) throw new Error(`zpg exited ${r.code}: ${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as T;
};

async function leaderIp(): Promise<string> {
  const f = await loadFacts(env, NAME);
  const leader = f.pods.find((p) => p.metadata?.labels?.['spilo-role'] === 'master');
  return leader!.status!.podIP!;
}

async function sql<T extends pg.QueryResultRow>(database: string, text: string, host?: string): Promise<T[]> {
  const c = new pg.Client({ host: host ?? (await leaderIp()), port: 5432, user: 'postgres', password, database, connectionTimeoutMillis: 10_000 });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** md5 of every table's rows in a stable order: equal checksums, equal data. */
async function checksums(database: string): Promise<Record<string, string>> {
  const tables = await sql<{ t: string }>(database, "SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1");
  const out: Record<string, string> = {};
  for (const { t } of tables) {
    const [{ sum, n }] = await sql<{ sum: string; n: string }>(database, `SELECT md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS sum, count(*) AS n FROM ${t} x`);
    out[t] = `${n}:${sum}`;
  }
  return out;
}

const listed = async () => json<{ logicalBackups: { id: string; kind: string; databases?: string[] }[] }>(await zpg(['backups', NAME, '-o', 'json'])).logicalBackups;
const openUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: S3_BUCKET, Prefix: 'spilo/' }))).Uploads ?? [];
const keysUnder = async (prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: S3_BUCKET, Prefix: prefix }))).Contents ?? []).map((c) => c.Key!).sort();

/** A PG_BIN directory of the real programs, with some replaced by a script. */
function binDir(name: string, scripts: Record<string, string>): string {
  const d = join(w.dir, name);
  mkdirSync(d);
  for (const p of ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql']) {
    if (scripts[p]) {
      writeFileSync(join(d, p), `#!/bin/sh\n${scripts[p]}\n`);
      chmodSync(join(d, p), 0o755);
    } else symlinkSync(join(PG_BIN, p), join(d, p));
  }
  return d;
}

let source: Record<string, string>;

beforeAll(async () => {
  w = await startMemberWorld('zpg-logical-', [130, 139]);
  env = { kc: w.kc, namespace: 'default', transportFor: memberTransports(w.kc) };
  s3 = createS3Client({ endpoint: w.world.s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  const file = join(w.dir, 'cluster.yaml');
  writeFileSync(file, JSON.stringify(clusterManifest({ name: NAME, instances: 2 })));
  await w.kubectl('apply', '-f', file);
  const core = w.kc.makeApiClient(k8s.CoreV1Api);
  await eventually(`${NAME} healthy with database foo`, async () => {
    const f = await loadFacts(env, NAME);
    if (f.health.health !== 'Healthy' || f.pods.length !== 2) return false;
    const s = await core.readNamespacedSecret({ namespace: 'default', name: `postgres.${NAME}.credentials.postgresql.acid.zalan.do` });
    password = Buffer.from(s.data!.password, 'base64').toString();
    uid = (f.pg.metadata?.uid ?? '') as string;
    return (await sql<{ n: string }>('postgres', "SELECT count(*) AS n FROM pg_database WHERE datname = 'foo'"))[0].n === '1';
  }, 200_000, 1_000);
  dir = `spilo/${NAME}/${uid}/logical_backups/`;
  await sql('foo', `SET ROLE zalando;
    CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), tags text[], doc jsonb, at timestamptz);
    INSERT INTO items SELECT g, 'item ' || g, g * 1.25, ARRAY['a' || g % 7, 'b'], jsonb_build_object('g', g, 'half', g / 2.0), timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, 20000) g;
    CREATE SCHEMA app;
    CREATE TABLE app."Mixed Case" (id bigint, note text);
    INSERT INTO app."Mixed Case" VALUES (1, '-- Database "postgres" dump'), (2, E'two\\nlines\\tand a tab'), (3, 'CREATE DATABASE evil;'), (4, E'\\\\.'), (5, NULL);
    CREATE TABLE empty_one (x int);`);
  await sql('postgres', 'CREATE TABLE only_in_postgres (x int); INSERT INTO only_in_postgres VALUES (1)');
  source = await checksums('foo');
  expect(Object.keys(source)).toEqual(['app."Mixed Case"', 'public.empty_one', 'public.items']);
}, 300_000);

afterAll(async () => {
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('zpg backup logical / zpg restore logical', () => {
  it("round-trips Zalando's pg_dumpall .sql.gz: one database into a new one, every checksum equal", async () => {
    const b = json<{ state: string; backup: { id: string; kind: string; key: string; size: number }; deleted: string[]; retention: null }>(await zpg(['backup', 'logical', NAME, '--format', 'dumpall', '-o', 'json']));
    expect(b).toMatchObject({ state: 'done', deleted: [], retention: null, backup: { kind: 'logical-dumpall' } });
    expect(b.backup.id).toMatch(/^\d{10}\.sql\.gz$/);
    expect(b.backup.key).toBe(`${dir}${b.backup.id}`);
    expect((await listed()).map((l) => l.id)).toContain(b.backup.id);
    const r = json<{ state: string; target: { database: string; replaced: boolean }; tables: { schema: string; table: string; rows: number }[] }>(
      await zpg(['restore', 'logical', NAME, '--backup', b.backup.id, '--database', 'foo', '--into', NAME, '-o', 'json']),
    );
    expect(r.target.database).toMatch(/^foo_restored_\d{12}$/);
    expect(r.target.replaced).toBe(false);
    expect(r.tables).toEqual([
      { schema: 'app', table: 'Mixed Case', rows: 5 },
      { schema: 'public', table: 'empty_one', rows: 0 },
      { schema: 'public', table: 'items', rows: 20000 },
    ]);
    expect(await checksums(r.target.database)).toEqual(source);
    // Only foo's section: the postgres database's table did not come along, and ownership did.
    expect(await sql<{ owner: string }>(r.target.database, "SELECT tableowner AS owner FROM pg_tables WHERE tablename = 'items'")).toEqual([{ owner: 'zalando' }]);
    expect(await sql(r.target.database, "SELECT 1 FROM pg_tables WHERE tablename = 'only_in_postgres'")).toEqual([]);
  }, 400_000);

  it('round-trips a set taken from a replica, and refuses to overwrite without --force and --yes', async () => {
    // A replica dumps what it has replayed: wait until it holds the first test's database, or the set may lack it.
    const lsn = (await sql<{ lsn: string }>('postgres', 'SELECT pg_current_wal_lsn()::text AS lsn'))[0].lsn;
    await eventually('the replica replayed the first test', async () => {
      const replica = (await loadFacts(env, NAME)).pods.find((p) => p.metadata?.labels?.['spilo-role'] === 'replica')?.status?.podIP;
      if (!replica) return false;
      const [{ behind }] = await sql<{ behind: boolean }>('postgres', `SELECT coalesce(pg_last_wal_replay_lsn() < '${lsn}'::pg_lsn, true) AS behind`, replica);
      return !behind;
    }, 120_000, 250);
    const b = json<{ member: string; backup: { id: string; kind: string; databases: string[] } }>(await zpg(['backup', 'logical', NAME, '--replica', '-o', 'json']));
    // Every database, the first test's restored one too.
    expect(b.backup).toMatchObject({ kind: 'logical-set', databases: expect.arrayContaining(['foo', 'postgres', expect.stringMatching(/^foo_restored_\d{12}$/)]) });
    const f = await loadFacts(env, NAME);
    expect(f.pods.find((p) => p.metadata?.name === b.member)?.metadata?.labels?.['spilo-role']).toBe('replica');
    const keys = await keysUnder(`${dir}${b.backup.id}/`);
    expect(keys).toEqual(expect.arrayContaining([`${dir}${b.backup.id}/001-foo.dump`, `${dir}${b.backup.id}/globals.sql.gz`, `${dir}${b.backup.id}/manifest.json`]));
    expect(keys).toHaveLength(b.backup.databases.length + 2);
    const unknown = await zpg(['backups', 'acid-nope']);
    expect(unknown.stderr).toBe(`zpg: cluster "acid-nope" not found in namespace default; clusters there: ${NAME}; for a deleted cluster pass --uid (see zpg backups --deleted)\n`);
    expect(unknown.code).toBe(1);
    // `zpg backups` says a small set's size in kB, not as "0.0" MB (a DBA would read that as empty)
    const listing = await zpg(['backups', NAME]);
    expect(listing.stdout).toMatch(/^LOGICAL BACKUP +KIND +TAKEN +AGE +SIZE$/m);
    expect(listing.stdout).toMatch(new RegExp(`^${b.backup.id} +logical-set +\\S+ +\\S+ +\\d+(\\.\\d)? (B|kB|MB)$`, 'm'));
    // Several databases: the restore asks which one.
    const which = await zpg(['restore', 'logical', NAME, '--backup', b.backup.id, '--into', NAME]);
    expect(which.code).toBe(2);
    expect(which.stderr).toMatch(/--database is needed: backup zpg-\d+ holds foo, /);
    const restore = (...extra: string[]) => zpg(['restore', 'logical', NAME, '--backup', b.backup.id, '--database', 'foo', '--into', NAME, '--target-db', 'foo_set', '-o', 'json', ...extra]);
    const first = json<{ source: { database: string }; tables: unknown[] }>(await restore());
    expect(first.source.database).toBe('foo');
    expect(await checksums('foo_set')).toEqual(source);

    await sql('foo_set', "INSERT INTO items (id, name) VALUES (-1, 'written after the restore')");
    const again = await restore();
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/database "foo_set" already exists on acid-logical; .*--force/);
    const noTty = await restore('--force');
    expect(noTty.code).toBe(3);
    expect(noTty.stderr).toMatch(/no terminal to confirm it on; pass --yes/);
    expect((await sql<{ n: string }>('foo_set', 'SELECT count(*) AS n FROM items WHERE id = -1'))[0].n).toBe('1');
    const forced = json<{ target: { replaced: boolean } }>(await restore('--force', '--yes'));
    expect(forced.target.replaced).toBe(true);
    expect(await checksums('foo_set')).toEqual(source);
  }, 400_000);

  it("restores a deleted cluster's backup by --uid", async () => {
    const [dumpall] = (await listed()).filter((l) => l.kind === 'logical-dumpall');
    const body = await (await s3.send(new GetObjectCommand({ Bucket: S3_BUCKET, Key: `${dir}${dumpall.id}` }))).Body!.transformToByteArray();
    await s3.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key: `spilo/acid-gone/u-gone/logical_backups/${dumpall.id}`, Body: body }));
    const missing = await zpg(['restore', 'logical', 'acid-gone', '--backup', dumpall.id, '--database', 'foo', '--into', NAME]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cluster "acid-gone" not found .*--uid/);
    const r = json<{ target: { database: string } }>(await zpg(['restore', 'logical', 'acid-gone', '--uid', 'u-gone', '--backup', 'latest', '--database', 'foo', '--into', NAME, '--target-db', 'foo_gone', '-o', 'json']));
    expect(r.target.database).toBe('foo_gone');
    expect(await checksums('foo_gone')).toEqual(source);
  }, 400_000);

  it('a pg_dumpall killed mid-way, or a failing pg_dump, leaves no backup listed and no upload open', async () => {
    const before = await listed();
    const keysBefore = await keysUnder(dir);
    // The real pg_dumpall, then 12 MiB more (two parts uploaded), then killed: what a pod eviction looks like from zpg.
    const killing = binDir('bin-killed', { pg_dumpall: `${PG_BIN}/pg_dumpall "$@" || exit $?\nhead -c 12582912 /dev/urandom\nkill -KILL $$` });
    const killed = await zpg(['backup', 'logical', NAME, '--format', 'dumpall'], { PG_BIN: killing });
    expect(killed.code).toBe(1);
    expect(killed.stderr).toMatch(/pg_dumpall was killed \(SIGKILL\)/);
    const failing = binDir('bin-failing', { pg_dump: `${PG_BIN}/pg_dump "$@" | head -c 3000\necho "pg_dump: error: connection lost" >&2\nexit 1` });
    const failed = await zpg(['backup', 'logical', NAME, '--format', 'set'], { PG_BIN: failing });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/pg_dump of foo exited with 1: pg_dump: error: connection lost/);
    expect(await openUploads()).toEqual([]);
    expect(await listed()).toEqual(before);
    expect(await keysUnder(dir)).toEqual(keysBefore);
  }, 400_000);

  it('retention deletes only this cluster\'s backups beyond the count, never other files', async () => {
    const other = [`spilo/${NAME}/u-older-incarnation/logical_backups/1000000000.sql.gz`, `${dir}notes.txt`, `${dir}zpg-1000000000/globals.sql.gz`];
    for (const Key of other) await s3.send(new PutObjectCommand({ Bucket: S3_BUCKET, Key, Body: 'keep me' }));
    const before = await listed();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const r = json<{ backup: { id: string }; deleted: string[]; retention: string }>(await zpg(['backup', 'logical', NAME, '--format', 'dumpall', '--retention', '2', '-o', 'json']));
    expect(r.retention).toBe('2 (--retention)');
    expect([...r.deleted].sort()).toEqual(before.slice(0, -1).map((b) => b.id).sort());
    expect((await listed()).map((b) => b.id)).toEqual([before.at(-1)!.id, r.backup.id]);
    for (const key of other) expect(await keysUnder(key)).toEqual([key]);
    const bad = await zpg(['backup', 'logical', NAME, '--retention', 'forever']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--retention "forever": use a count .* or an age such as "7 days"/);
  }, 400_000);
});
