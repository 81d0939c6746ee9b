// A stream into one S3 object (src/services/s3/stream-upload.ts), through a
// proxy that checks each request's signature and sees each part: short streams
// are one PutObject, long ones multipart with growing parts and a bounded
// number in flight, and a stream or a store that fails leaves no object and no
// upload open.
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { uploadStream } from '../../src/services/s3/stream-upload.ts';
import { startSigV4Check, type SigV4Check } from '../helpers/sigv4-check.ts';

const Bucket = 'zpg-stream-upload';
const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'zpg-stream-upload-'));
let server: S3Server;
let check: SigV4Check;
let s3: S3Client;

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  check = await startSigV4Check(server.endpoint, 'S3RVER');
  s3 = createS3Client({ endpoint: check.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
}, 60_000);

afterAll(async () => {
  await check?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Seen { method: string; part?: number; bytes: number }
let seen: Seen[] = [];
let inFlight = 0;
let mostInFlight = 0;
beforeEach(() => {
  seen = [];
  mostInFlight = 0;
  check.refuseIf = undefined;
  check.observe = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const part = q.has('partNumber') ? Number(q.get('partNumber')) : undefined;
    seen.push({ method: req.method!, part, bytes: Number(req.headers['content-length'] ?? 0) });
    if (part) {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      res.once('close', () => inFlight--);
    }
  };
});

/** `total` bytes that do not repeat, in chunks of an odd size, as a program's output arrives. */
function output(total: number, chunk = 100_003, failAfter?: number): { stream: Readable; md5: string } {
  const md5 = createHash('md5');
  let sent = 0;
  let x = 2463534242;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return this.destroy(new Error('pg_dump was killed (SIGKILL)'));
      if (sent >= total) return this.push(null);
      const b = Buffer.alloc(Math.min(chunk, total - sent));
      for (let i = 0; i + 4 <= b.length; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b.writeUInt32LE(x >>> 0, i);
      }
      md5.update(b);
      sent += b.length;
      this.push(b);
    },
  });
  return { stream, get md5() { return md5.digest('hex'); } } as { stream: Readable; md5: string };
}

const stored = async (Key: string) => {
  const o = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return { md5: createHash('md5').update(await o.Body!.transformToByteArray()).digest('hex'), type: o.ContentType };
};
const openUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? [];
const missing = (Key: string) => s3.send(new HeadObjectCommand({ Bucket, Key })).then(() => false, () => true);

describe('uploadStream', () => {
  it('stores a stream shorter than a part with one PutObject', async () => {
    const src = output(3 * MiB);
    const r = await uploadStream(src.stream, { s3, bucket: Bucket, key: 'small', contentType: 'application/gzip' });
    expect(r).toEqual({ size: 3 * MiB, parts: 0 });
    expect(seen.map((s) => s.method)).toEqual(['PUT']);
    expect(await stored('small')).toEqual({ md5: src.md5, type: 'application/gzip' });
  });

  it('stores an empty stream as an empty object', async () => {
    const r = await uploadStream(Readable.from([]), { s3, bucket: Bucket, key: 'empty' });
    expect(r.size).toBe(0);
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'empty' }))).ContentLength).toBe(0);
  });

  it('stores a long stream in parts that double per tier, few in flight, byte for byte', async () => {
    const src = output(33 * MiB);
    const r = await uploadStream(src.stream, { s3, bucket: Bucket, key: 'long' }, { partSize: 5 * MiB, queueSize: 2, tierParts: 2 });
    expect(r).toEqual({ size: 33 * MiB, parts: 5 });
    const parts = seen.filter((s) => s.part).sort((a, b) => a.part! - b.part!);
    expect(parts.map((p) => p.bytes / MiB)).toEqual([5, 5, 10, 10, 3]);
    // two 5 MiB parts at most at once; the bigger parts' budget is the same bytes
    expect(mostInFlight).toBeLessThanOrEqual(2);
    expect(await stored('long')).toMatchObject({ md5: src.md5 });
    expect(await openUploads()).toEqual([]);
  }, 60_000);

  it('stores nothing and leaves no upload open when the stream fails after two parts', async () => {
    const src = output(40 * MiB, 100_003, 12 * MiB);
    await expect(uploadStream(src.stream, { s3, bucket: Bucket, key: 'killed' })).rejects.toThrow('pg_dump was killed (SIGKILL)');
    expect(seen.filter((s) => s.part).length).toBe(2);
    expect(await missing('killed')).toBe(true);
    expect(await openUploads()).toEqual([]);
  }, 60_000);

  it("fails with the store's error when it refuses a part, stops reading and aborts the upload", async () => {
    check.refuseIf = (req) => /partNumber=2\b/.test(req.url ?? '');
    const src = output(40 * MiB);
    await expect(uploadStream(src.stream, { s3, bucket: Bucket, key: 'refused' })).rejects.toThrow(/refused by the test's check/);
    expect(src.stream.destroyed).toBe(true);
    expect(await missing('refused')).toBe(true);
    expect(await openUploads()).toEqual([]);
  }, 60_000);
});
