// Restores one database of a logical backup into a database of a target
// cluster, streaming from S3 into pg_restore (a set's pg_dump -Fc file) or
// psql (the database's section of a pg_dumpall .sql.gz), then counts every
// table's rows exactly. The database is new unless `replace` (the caller's
// --force, after a typed confirmation) allows dropping an existing one.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { pgProgram } from './logical-endpoint.ts';
import { pgClient, pgEnv, type DumpSource } from './logical-dump.ts';
import { DumpallSection, quoteIdent } from './logical-dumpall-section.ts';
import { SET_MANIFEST, type LogicalBackup, type LogicalSetManifest } from './logical-list.ts';
import { describeExit, runProgram } from './logical-stream.ts';
import { getText, type Reader } from './s3-list.ts';

export interface TableRows {
  schema: string;
  table: string;
  rows: number;
}

export interface RestoreOptions {
  database: string;
  targetDb: string;
  /** pg_restore --no-owner --no-privileges / no OWNER TO, GRANT or REVOKE from a dumpall */
  noOwner?: boolean;
  signal?: AbortSignal;
  onProgress?: (read: number, total: number | undefined) => void;
}

export async function readSetManifest(r: Reader, b: LogicalBackup): Promise<LogicalSetManifest> {
  return JSON.parse(await getText(r, `${b.key}${SET_MANIFEST}`)) as LogicalSetManifest;
}

export async function databaseExists(target: DumpSource, name: string): Promise<boolean> {
  const c = pgClient(target);
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createDatabase(target: DumpSource, name: string, replace: boolean): Promise<void> {
  const c = pgClient(target);
  await c.connect();
  try {
    if (replace) await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** libpq's conninfo quoting, so a database name is never read as connection options. */
const conninfo = (db: string) => `dbname='${db.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The object holding one database of a backup: the dumpall itself, or the set's file of that database. */
export async function objectOf(r: Reader, b: LogicalBackup, database: string): Promise<string> {
  if (b.kind === 'logical-dumpall') return b.key;
  const m = await readSetManifest(r, b);
  const entry = m.databases.find((d) => d.name === database);
  if (!entry) throw new Error(`database "${database}" is not in backup ${b.id}; it holds: ${m.databases.map((d) => d.name).join(', ')}`);
  return `${b.key}${entry.key}`;
}

/** Streams the database's dump into targetDb (which must exist: createDatabase). */
export async function restoreLogical(r: Reader, b: LogicalBackup, target: DumpSource, o: RestoreOptions): Promise<{ bytes: number }> {
  const key = await objectOf(r, b, o.database);
  r.requests++;
  const got = await r.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }), { abortSignal: o.signal });
  const body = got.Body as Readable;
  const total = got.ContentLength;
  let read = 0;
  body.on('data', (d: Buffer) => {
    read += d.length;
    o.onProgress?.(read, total);
  });
  const program = b.kind === 'logical-set' ? 'pg_restore' : 'psql';
  const args =
    b.kind === 'logical-set'
      ? ['-w', '-d', conninfo(o.targetDb), ...(o.noOwner ? ['--no-owner', '--no-privileges'] : [])]
      : ['-X', '-q', '-w', '-v', 'ON_ERROR_STOP=0', '-d', conninfo(o.targetDb)];
  const run = runProgram(pgProgram(target.binDir, program), args, pgEnv(target, o.targetDb), 'pipe');
  const kill = () => run.child.kill('SIGTERM');
  o.signal?.addEventListener('abort', kill, { once: true });
  // Errors in the SQL do not stop psql/pg_restore; they are counted and the restore fails with the first ones.
  const errors: string[] = [];
  let errorCount = 0;
  let partial = '';
  run.child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (!/\bERROR:|error:/.test(l)) continue;
      errorCount++;
      if (errors.length < 3) errors.push(l.replace(/^psql:<stdin>:\d+: /, '').trim());
    }
  });
  const stdin = run.child.stdin!;
  let streamError: Error | undefined;
  const fail = (e: Error) => {
    streamError ??= e;
    kill();
  };
  stdin.on('error', () => undefined); // the program exiting early is reported by its exit code
  body.on('error', fail);
  if (b.kind === 'logical-set') body.pipe(stdin);
  else {
    const gunzip = createGunzip().on('error', fail);
    const section = new DumpallSection(o.database, o.targetDb).on('error', fail);
    if (o.noOwner) {
      const { Transform } = await import('node:stream');
      const strip = new Transform({
        transform(chunk: Buffer, _e, cb) {
          cb(null, chunk.toString('utf8').replace(/^(ALTER [A-Z ]+ .* OWNER TO .*;|GRANT .*;|REVOKE .*;)$/gm, '-- $1'));
        },
      });
      body.pipe(gunzip).pipe(section).pipe(strip).pipe(stdin);
    } else body.pipe(gunzip).pipe(section).pipe(stdin);
  }
  const x = await run.exited;
  o.signal?.removeEventListener('abort', kill);
  if (streamError) throw streamError;
  if (o.signal?.aborted) throw new Error('interrupted');
  if (errorCount > 0) throw new Error(`${program}: ${errorCount} error${errorCount === 1 ? '' : 's'} restoring into ${o.targetDb} (left in place to inspect): ${errors.join(' / ')}${o.noOwner ? '' : '; roles missing on the target? try --no-owner'}`);
  if (x.code !== 0 || x.signal) throw new Error(describeExit(program, x));
  return { bytes: read };
}

/** Exact count(*) of every table (partitioned parents count their partitions, which are not listed again). */
export async function countRows(target: DumpSource, database: string): Promise<TableRows[]> {
  const c = pgClient(target, database);
  await c.connect();
  try {
    const tables = await c.query<{ schema: string; table: string }>(
      `SELECT n.nspname AS schema, c.relname AS table FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
       ORDER BY 1, 2`,
    );
    const out: TableRows[] = [];
    for (const t of tables.rows) {
      const res = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.table)}`);
      out.push({ schema: t.schema, table: t.table, rows: Number(res.rows[0].n) });
    }
    return out;
  } finally {
    await c.end().catch(() => undefined);
  }
}
