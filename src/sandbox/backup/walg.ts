// The sandbox's stand-in for WAL-G (there is no WAL-G on this machine): the
// same keys and sentinel JSON WAL-G writes under Spilo's prefix, made with
// PostgreSQL's own tools. WAL and base backups are brotli-compressed (.br,
// an extension WAL-G itself writes and reads); a base backup is one tar
// partition (part_001) from pg_basebackup. Not byte-compatible with WAL-G's
// tar contents: it is the layout and the sentinel that the catalog and the
// clone/replica paths rely on. Runs inside the sandbox's own process
// (walg-server.ts): one S3 client per store, compression off the event loop.
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, createBrotliCompress, createBrotliDecompress } from 'node:zlib';
import pg from 'pg';
import { listBaseBackups, type BaseBackup } from '../../services/backups/base-backups.ts';
import { BASEBACKUPS, SENTINEL_SUFFIX, WAL, parseLsn, segmentName, walgBackupName } from '../../services/backups/layout.ts';
import { isMissing, type Reader } from '../../services/backups/s3-list.ts';
import { createS3Client } from '../../services/s3/client.ts';
import { uploadStream } from '../../services/s3/stream-upload.ts';
import { PG_BIN_DIR } from '../patroni/preflight.ts';
import type { WalgConfig, WalgTarget } from './walg-env.ts';

const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } };
/** Extensions wal-fetch can read, in the order tried */
const READABLE = ['.br', ''];
export const WRITER = 'zpg sandbox wal-g stand-in';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/** One client (and its keep-alive connections) per store and key pair, for every member of this process. */
const clients = new Map<string, S3Client>();
export const clientFor = (t: WalgTarget): S3Client => {
  const key = JSON.stringify(t.s3);
  let c = clients.get(key);
  if (!c) clients.set(key, (c = createS3Client({ ...t.s3, timeoutMs: 60_000 })));
  return c;
};

/** archive_command: wal_005/<file>.br */
export async function walPush(t: WalgTarget, path: string): Promise<void> {
  const body = await compress(await readFile(path), BROTLI);
  await clientFor(t).send(new PutObjectCommand({ Bucket: t.bucket, Key: `${t.prefix}${WAL}${basename(path)}.br`, Body: body }));
}

/** restore_command: the file's bytes, or undefined when the archive does not have it (recovery then moves on). */
export async function walRead(t: WalgTarget, name: string): Promise<Buffer | undefined> {
  const s3 = clientFor(t);
  for (const ext of READABLE) {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: `${t.prefix}${WAL}${name}${ext}` }));
      const raw = Buffer.from(await out.Body!.transformToByteArray());
      return ext === '.br' ? await decompress(raw) : raw;
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }
  return undefined;
}

/** Counts the bytes that pass. */
function counter(): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      t.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/**
 * The server sends backup_label first in the base tar: its START WAL LOCATION
 * and START TIMELINE name the backup before any data goes to S3 (pg_basebackup
 * prints no start point when it writes the tar to stdout).
 */
function readLabel(stdout: Readable): Promise<{ head: Buffer; lsn: bigint; timeline: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const done = (e?: Error, v?: { head: Buffer; lsn: bigint; timeline: number }) => {
      stdout.off('data', onData);
      stdout.off('end', onEnd);
      stdout.pause();
      if (e) reject(e);
      else resolve(v!);
    };
    const onEnd = () => done(new Error('pg_basebackup wrote no data'));
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have < 512) return;
      const head = Buffer.concat(chunks);
      const field = (from: number, to: number) => head.subarray(from, to).toString('latin1').replace(/\0.*$/s, '').trim();
      const name = field(0, 100);
      const size = parseInt(field(124, 136), 8);
      if (name !== 'backup_label') return done(new Error(`the base tar starts with ${name}, not backup_label`));
      if (have < 512 + size) return;
      const label = head.subarray(512, 512 + size).toString('utf8');
      const lsn = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(label);
      const tli = /START TIMELINE: (\d+)/.exec(label);
      if (!lsn || !tli) return done(new Error('backup_label without START WAL LOCATION or START TIMELINE'));
      done(undefined, { head, lsn: parseLsn(lsn[1]), timeline: Number(tli[1]) });
    };
    stdout.on('data', onData);
    stdout.once('end', onEnd);
  });
}

/** The backup history file the server archives at the end ("<seg>.<offset>.backup") holds the STOP WAL LOCATION. */
async function stopLsn(t: WalgTarget, timeline: number, start: bigint): Promise<bigint | undefined> {
  const name = `${segmentName(timeline, start)}.${(start & 0xffffffn).toString(16).toUpperCase().padStart(8, '0')}.backup`;
  const file = await walRead(t, name);
  const m = file && /STOP WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(file.toString('utf8'));
  return m ? parseLsn(m[1]) : undefined;
}

interface ServerFacts {
  systemIdentifier: string;
  versionNum: number;
  dataDir: string;
}

async function serverFacts(c: WalgConfig['pg']): Promise<ServerFacts> {
  const client = new pg.Client({ host: c.host, port: c.port, user: c.superuser.username, password: c.superuser.password, database: 'postgres', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await client.query<{ sysid: string; v: string; dir: string }>(
      "select system_identifier::text as sysid, current_setting('server_version_num') as v, current_setting('data_directory') as dir from pg_control_system()",
    );
    return { systemIdentifier: r.rows[0].sysid, versionNum: Number(r.rows[0].v), dataDir: r.rows[0].dir };
  } finally {
    await client.end();
  }
}

/** backup-push: pg_basebackup's tar through brotli into S3 as it comes; metadata, then the sentinel last. An abort kills pg_basebackup and the upload. */
export async function backupPush(t: WalgTarget, c: WalgConfig, signal?: AbortSignal, pgBinDir = PG_BIN_DIR): Promise<string> {
  const facts = await serverFacts(c.pg);
  signal?.throwIfAborted();
  const startTime = new Date();
  const args = ['-h', c.pg.host, '-p', String(c.pg.port), '-U', c.pg.replication.username, '-D', '-', '-Ft', '-X', 'none', '--no-manifest', '-c', 'fast', '-v', '-w'];
  const child = spawn(join(pgBinDir, 'pg_basebackup'), args, { env: { ...process.env, PGPASSWORD: c.pg.replication.password, PGAPPNAME: 'wal-g' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number>((ok) => child.once('close', (code) => ok(code ?? 1)));
  const onAbort = () => child.kill('SIGKILL');
  signal?.addEventListener('abort', onAbort, { once: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const start = await readLabel(child.stdout).catch(async (e: Error) => {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${e.message}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  });
  const name = walgBackupName(start.timeline, start.lsn);
  const dir = `${t.prefix}${BASEBACKUPS}${name}`;
  const raw = counter();
  const packed = counter();
  const body = new PassThrough();
  // a failed pipeline destroys body, which aborts the upload before `uploaded` settles
  const uploaded = uploadStream(body, { s3: clientFor(t), bucket: t.bucket, key: `${dir}/tar_partitions/part_001.tar.br` }, { partSize: 8 * 1024 * 1024, queueSize: 2 });
  raw.write(start.head);
  const piping = pipeline(child.stdout, raw, createBrotliCompress(BROTLI), packed, body);
  const [code] = await Promise.all([exited, piping, uploaded])
    .catch(async (e: unknown) => {
      child.kill('SIGKILL');
      await uploaded.catch(() => {});
      throw e;
    })
    .finally(() => signal?.removeEventListener('abort', onAbort));
  signal?.throwIfAborted();
  if (code !== 0) throw new Error(`pg_basebackup exited with ${code}: ${stderr.trim().split('\n').pop()}`);
  // Without the history file the start LSN is the only sure point; WAL-G would have asked pg_backup_stop.
  const finishLsn = (await stopLsn(t, start.timeline, start.lsn)) ?? start.lsn;
  const finishTime = new Date();
  const s3 = clientFor(t);
  const meta = {
    start_time: startTime.toISOString(),
    finish_time: finishTime.toISOString(),
    date_fmt: '%Y-%m-%dT%H:%M:%S.%fZ',
    hostname: c.hostname,
    data_dir: facts.dataDir,
    pg_version: facts.versionNum,
    start_lsn: Number(start.lsn),
    finish_lsn: Number(finishLsn),
    is_permanent: false,
    system_identifier: 0,
    uncompressed_size: raw.bytes,
    compressed_size: packed.bytes,
    user_data: { writer: WRITER },
  };
  await s3.send(new PutObjectCommand({ Bucket: t.bucket, Key: `${dir}/metadata.json`, Body: withSysid(JSON.stringify(meta), 'system_identifier', facts.systemIdentifier) }));
  const sentinel = {
    LSN: Number(start.lsn),
    PgVersion: facts.versionNum,
    FinishLSN: Number(finishLsn),
    SystemIdentifier: 0,
    UncompressedSize: raw.bytes,
    CompressedSize: packed.bytes,
    Spec: null,
    UserData: { writer: WRITER },
    FilesMetadataDisabled: true,
    ChkpNum: null,
    Version: 2,
    StartTime: startTime.toISOString(),
    FinishTime: finishTime.toISOString(),
    DateFmt: '%Y-%m-%dT%H:%M:%S.%fZ',
    Hostname: c.hostname,
    DataDir: facts.dataDir,
    IsPermanent: false,
  };
  await s3.send(new PutObjectCommand({ Bucket: t.bucket, Key: `${t.prefix}${BASEBACKUPS}${name}${SENTINEL_SUFFIX}`, Body: withSysid(JSON.stringify(sentinel), 'SystemIdentifier', facts.systemIdentifier) }));
  return name;
}

/** A uint64 does not survive a JS number: write its digits into the JSON text. */
const withSysid = (json: string, key: string, digits: string) => json.replace(`"${key}":0`, `"${key}":${digits}`);

/** The backup to restore: LATEST, a name, or the newest whose sentinel was uploaded before `before` (Spilo's clone rule). */
export async function pickBackup(t: WalgTarget, which: { name?: string; before?: Date } = {}): Promise<BaseBackup | undefined> {
  const r: Reader = { s3: clientFor(t), bucket: t.bucket, requests: 0 };
  const all = (await listBaseBackups(r, t.prefix)).filter((b) => b.format === 'wal-g');
  if (which.name && which.name !== 'LATEST') return all.find((b) => b.id === which.name);
  const usable = which.before ? all.filter((b) => Date.parse(b.modified) < which.before!.getTime()) : all;
  return usable.at(-1);
}

/** backup-fetch: the tar partition, decompressed, as a stream (the member's user unpacks it: walg-client.py). */
export async function backupStream(t: WalgTarget, backup: BaseBackup): Promise<Readable> {
  const out = await clientFor(t).send(new GetObjectCommand({ Bucket: t.bucket, Key: `${backup.prefix}${BASEBACKUPS}${backup.id}/tar_partitions/part_001.tar.br` }));
  const tar = createBrotliDecompress();
  // A failed download destroys the stream the caller reads, so a cut-off tar never looks complete.
  pipeline(out.Body as Readable, tar).catch((e: unknown) => tar.destroy(e instanceof Error ? e : new Error(String(e))));
  return tar;
}
