// A dump program's output streamed into one S3 object, never whole in memory
// or on disk: multipart upload (../s3/stream-upload.ts, 5 MiB parts, 4 in
// flight). The stream's end is held back until the program has exited 0: a
// pg_dump that fails or is killed errors the stream instead, the upload is
// aborted (AbortMultipartUpload) and no object, whole or partial, appears.
import type { S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGzip } from 'node:zlib';
import { uploadStream } from '../s3/stream-upload.ts';

export interface ProgramRun {
  child: ChildProcess;
  /** resolves when the program exited (never rejects) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts a PostgreSQL client program; its password goes in the environment, never on the command line. */
export function runProgram(program: string, args: string[], env: NodeJS.ProcessEnv, stdin: 'ignore' | 'pipe' = 'ignore'): ProgramRun {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    // The tail is what explains a failure; keep it bounded.
    stderr = (stderr + d.toString()).slice(-8192);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.once('error', (e) => resolve({ code: 127, signal: null, stderr: `${program}: ${e.message}` }));
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, exited };
}

export function describeExit(program: string, x: { code: number | null; signal: NodeJS.Signals | null; stderr: string }): string {
  const how = x.signal ? `was killed (${x.signal})` : `exited with ${x.code}`;
  const last = x.stderr.trim().split('\n').filter(Boolean).slice(-2).join(' / ');
  return `${program} ${how}${last ? `: ${last}` : ''}`;
}

/** Counts bytes through it and lets the stream end only once `ok` resolves; a rejection errors the stream. */
class Gate extends Transform {
  bytes = 0;
  private readonly ok: () => Promise<void>;
  private readonly onBytes: (n: number) => void;
  constructor(ok: () => Promise<void>, onBytes: (n: number) => void) {
    super();
    this.ok = ok;
    this.onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.ok().then(() => cb(), (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
  }
}

export interface UploadTarget {
  s3: S3Client;
  bucket: string;
  /** logical_backup_s3_sse (AES256, aws:kms) */
  sse?: string;
}

export interface StreamedObject {
  key: string;
  /** bytes stored */
  size: number;
  /** bytes the program wrote (before gzip) */
  raw: number;
}

/**
 * Runs the program and uploads its stdout (gzipped when asked) to key. The
 * task's signal kills the program, which aborts the upload like any failure.
 */
export async function dumpToS3(
  t: UploadTarget,
  key: string,
  run: ProgramRun,
  o: { program: string; gzip?: boolean; signal?: AbortSignal; onBytes?: (raw: number, stored: number) => void },
): Promise<StreamedObject> {
  const { child, exited } = run;
  const kill = () => child.kill('SIGTERM');
  o.signal?.addEventListener('abort', kill, { once: true });
  let raw = 0;
  let stored = 0;
  const ok = async () => {
    const x = await exited;
    if (x.code !== 0 || x.signal) throw new Error(describeExit(o.program, x));
  };
  const gate = new Gate(ok, (n) => {
    stored = n;
    o.onBytes?.(raw, stored);
  });
  const source = child.stdout as Readable;
  source.on('data', (d: Buffer) => (raw += d.length));
  const fail = (e: Error) => gate.destroy(e);
  if (o.gzip) {
    // Big output chunks: fewer thread-pool round trips per MiB than the 16 KiB default.
    const gz = createGzip({ level: 6, chunkSize: 256 * 1024 });
    source.on('error', fail);
    gz.on('error', fail);
    source.pipe(gz).pipe(gate);
  } else {
    source.on('error', fail);
    source.pipe(gate);
  }
  try {
    await uploadStream(gate, { s3: t.s3, bucket: t.bucket, key, contentType: o.gzip ? 'application/gzip' : 'application/octet-stream', sse: t.sse });
  } catch (e) {
    // S3 failed first: the program must not run on into a closed pipe.
    kill();
    const x = await exited;
    if (x.code !== 0 || x.signal) throw new Error(describeExit(o.program, x), { cause: e });
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', kill);
  }
  return { key, size: gate.bytes, raw };
}
