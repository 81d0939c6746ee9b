// Takes one logical backup of a cluster into its logical_backups/ folder:
// - "dumpall": Zalando's <epoch>.sql.gz (pg_dumpall | gzip), restorable by
//   Zalando's users with gunzip | psql;
// - "set": zpg-<epoch>/ with globals.sql.gz (pg_dumpall -g), one pg_dump -Fc
//   per database, and manifest.json written last (logical-list.ts lists a set
//   only once its manifest exists).
// Each object streams from the program to S3 (logical-stream.ts). A set that
// fails part-way loses the objects this run wrote, so no half set lingers.
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import pg from 'pg';
import { isMissing, list } from './s3-list.ts';
import { SET_MANIFEST, type LogicalBackup, type LogicalSetManifest } from './logical-list.ts';
import { dumpToS3, runProgram, type UploadTarget } from './logical-stream.ts';
import { pgProgram } from './logical-endpoint.ts';

export interface DumpSource {
  host: string;
  port: number;
  user: string;
  password: string;
  /** directory of pg_dump & co., undefined for PATH */
  binDir?: string;
}

export interface LogicalLocation extends UploadTarget {
  /** spilo/<cluster>/<uid>/logical_backups/ */
  dir: string;
}

export interface DumpProgress {
  /** what is being dumped: "pg_dumpall", "globals", a database name */
  part: string;
  /** bytes the programs wrote so far (all parts) */
  raw: number;
  /** bytes stored in S3 so far (all parts) */
  stored: number;
}

export interface DumpOptions {
  format: 'dumpall' | 'set';
  cluster: string;
  uid: string;
  signal?: AbortSignal;
  onProgress?: (p: DumpProgress) => void;
  now?: () => Date;
}

export type SetManifest = LogicalSetManifest & { uid: string; tool: string };

export const pgEnv = (s: DumpSource, database = 'postgres'): NodeJS.ProcessEnv => ({
  PGHOST: s.host,
  PGPORT: String(s.port),
  PGUSER: s.user,
  PGPASSWORD: s.password,
  PGDATABASE: database,
  PGCONNECT_TIMEOUT: '15',
  PGAPPNAME: 'zpg-logical-backup',
  PGSSLMODE: process.env.PGSSLMODE ?? 'prefer',
});

export function pgClient(s: DumpSource, database = 'postgres'): pg.Client {
  const c = new pg.Client({ host: s.host, port: s.port, user: s.user, password: s.password, database, connectionTimeoutMillis: 15_000, application_name: 'zpg-logical-backup' });
  c.on('error', () => undefined);
  return c;
}

/** Databases a dump covers: every one that takes connections, templates aside (pg_dumpall's choice too). */
export async function listDatabases(s: DumpSource): Promise<{ databases: string[]; version: string }> {
  const c = pgClient(s);
  await c.connect();
  try {
    const dbs = await c.query<{ datname: string }>('SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname');
    const v = await c.query<{ server_version: string }>('SHOW server_version');
    return { databases: dbs.rows.map((r) => r.datname), version: v.rows[0].server_version };
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function exists(t: LogicalLocation, key: string, folder: boolean): Promise<boolean> {
  if (folder) return (await list({ s3: t.s3, bucket: t.bucket, requests: 0 }, key, { limit: 1 })).objects.length > 0;
  try {
    await t.s3.send(new HeadObjectCommand({ Bucket: t.bucket, Key: key }));
    return true;
  } catch (e) {
    if (isMissing(e) || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

/** Keys are named by epoch seconds, as Zalando's are: a second already taken waits for the next one, never overwrites. */
async function freshEpoch(t: LogicalLocation, name: (epoch: number) => string, folder: boolean, now: () => Date): Promise<number> {
  for (;;) {
    const epoch = Math.floor(now().getTime() / 1000);
    if (!(await exists(t, name(epoch), folder))) return epoch;
    await new Promise((r) => setTimeout(r, 1000 - (now().getTime() % 1000) + 5));
  }
}

export async function takeLogicalBackup(src: DumpSource, loc: LogicalLocation, o: DumpOptions): Promise<LogicalBackup> {
  const now = o.now ?? (() => new Date());
  let done = { raw: 0, stored: 0 };
  const progress = (part: string) => (raw: number, stored: number) => o.onProgress?.({ part, raw: done.raw + raw, stored: done.stored + stored });
  if (o.format === 'dumpall') {
    const epoch = await freshEpoch(loc, (e) => `${loc.dir}${e}.sql.gz`, false, now);
    const key = `${loc.dir}${epoch}.sql.gz`;
    const program = pgProgram(src.binDir, 'pg_dumpall');
    const obj = await dumpToS3(loc, key, runProgram(program, ['-w'], pgEnv(src)), { program: 'pg_dumpall', gzip: true, signal: o.signal, onBytes: progress('pg_dumpall') });
    return { id: `${epoch}.sql.gz`, kind: 'logical-dumpall', key, time: new Date(epoch * 1000).toISOString(), size: obj.size };
  }
  const startedAt = now().toISOString();
  const { databases, version } = await listDatabases(src);
  const epoch = await freshEpoch(loc, (e) => `${loc.dir}zpg-${e}/`, true, now);
  const id = `zpg-${epoch}`;
  const folder = `${loc.dir}${id}/`;
  const written: string[] = [];
  try {
    const part = async (name: string, file: string, program: 'pg_dumpall' | 'pg_dump', args: string[], database: string | undefined, gzip: boolean) => {
      written.push(`${folder}${file}`);
      const obj = await dumpToS3(loc, `${folder}${file}`, runProgram(pgProgram(src.binDir, program), args, pgEnv(src, database)), { program: `${program}${database ? ` of ${database}` : ''}`, gzip, signal: o.signal, onBytes: progress(name) });
      done = { raw: done.raw + obj.raw, stored: done.stored + obj.size };
      return obj;
    };
    const globals = await part('globals', 'globals.sql.gz', 'pg_dumpall', ['-w', '--globals-only'], undefined, true);
    const dbs: LogicalSetManifest['databases'] = [];
    for (const [i, name] of databases.entries()) {
      const file = `${String(i + 1).padStart(3, '0')}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.dump`;
      // -Fc compresses (zlib level 6, as gzip); the database comes in PGDATABASE so no name is read as a connection string.
      const obj = await part(name, file, 'pg_dump', ['-w', '-Fc'], name, false);
      dbs.push({ name, key: file, size: obj.size });
    }
    const manifest: SetManifest = {
      format: 'zpg-logical-set/1',
      cluster: o.cluster,
      uid: o.uid,
      tool: 'zpg',
      startedAt,
      finishedAt: now().toISOString(),
      pgVersion: version,
      globals: { key: 'globals.sql.gz', size: globals.size },
      databases: dbs,
    };
    written.push(`${folder}${SET_MANIFEST}`);
    await loc.s3.send(new PutObjectCommand({ Bucket: loc.bucket, Key: `${folder}${SET_MANIFEST}`, Body: JSON.stringify(manifest, null, 2), ContentType: 'application/json', ...(loc.sse ? { ServerSideEncryption: loc.sse as 'AES256' } : {}) }));
    return { id, kind: 'logical-set', key: folder, time: manifest.finishedAt, size: globals.size + dbs.reduce((n, d) => n + d.size, 0), databases: dbs.map((d) => d.name) };
  } catch (e) {
    // Only this run's own objects of an unfinished set (it has no manifest, so it was never a backup).
    for (const Key of written.reverse()) await loc.s3.send(new DeleteObjectCommand({ Bucket: loc.bucket, Key })).catch(() => undefined);
    throw e;
  }
}
