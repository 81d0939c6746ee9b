// A stream of unknown length into one S3 object: one PutObject when it fits
// in a part, else a multipart upload with a few parts in flight. The object
// appears only when the stream ended cleanly; a stream that errors aborts the
// upload (AbortMultipartUpload), so no partial object is ever stored.
//
// Why not @aws-sdk/lib-storage's Upload: it concatenates every part into a new
// buffer, which kept the garbage collector busy while a dump streamed (zpg's
// CPU for a 96 MiB dump halved with reused part buffers, and pg_dump shares two
// cores with it), and with a fixed part size a stream stops at 10,000 parts
// (48.8 GiB in 5 MiB parts). Here part sizes double every `tierParts` parts.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export interface StreamUploadParams {
  s3: S3Client;
  bucket: string;
  key: string;
  contentType?: string;
  /** x-amz-server-side-encryption: AES256, aws:kms */
  sse?: string;
}

export interface StreamUploadOptions {
  /** the first parts' size; S3's minimum is 5 MiB */
  partSize?: number;
  /** parts in flight at the first size; fewer as parts grow, so memory stays near partSize × (queueSize + 1) */
  queueSize?: number;
  /** parts of one size before the size doubles */
  tierParts?: number;
}

const MiB = 1024 * 1024;
const MAX_PART = 5 * 1024 * MiB;
const MAX_PARTS = 10_000;

/** Size of part `n` (1-based): `first` for the first `tierParts` parts, then doubling, at most 5 GiB. */
export function partSizeFor(n: number, first = 5 * MiB, tierParts = 1000): number {
  return Math.min(MAX_PART, first * 2 ** Math.floor((n - 1) / tierParts));
}

/** The largest object the schedule can hold in S3's 10,000 parts. */
export function largestObject(first = 5 * MiB, tierParts = 1000): number {
  let total = 0;
  for (let n = 1; n <= MAX_PARTS; n++) total += partSizeFor(n, first, tierParts);
  return total;
}

/** Reads `source` to its end into `p.key`; resolves with the bytes stored. */
export function uploadStream(source: Readable, p: StreamUploadParams, o: StreamUploadOptions = {}): Promise<{ size: number; parts: number }> {
  const first = o.partSize ?? 5 * MiB;
  const queueSize = o.queueSize ?? 4;
  const tierParts = o.tierParts ?? 1000;
  const object = { Bucket: p.bucket, Key: p.key };
  // what the stored object carries, whichever way it is written
  const stored = { ...(p.contentType ? { ContentType: p.contentType } : {}), ...(p.sse ? { ServerSideEncryption: p.sse as 'AES256' } : {}) };

  let created: Promise<string> | undefined;
  let shipped = 0;
  let size = 0;
  let failure: Error | undefined;
  const etags: string[] = [];
  const inflight = new Set<Promise<void>>();
  // part buffers are reused once their upload is done: the one fewer allocation per part is the point
  let spare: Buffer[] = [];
  let filling: Buffer | undefined;
  let fill = 0;

  const nextSize = () => partSizeFor(shipped + 1, first, tierParts);
  const budget = () => Math.max(1, Math.floor((queueSize * first) / nextSize()));
  const buffer = (): Buffer => {
    const want = nextSize();
    if (spare[0]?.length !== want) spare = [];
    return spare.pop() ?? Buffer.allocUnsafeSlow(want);
  };

  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      if (failure) return;
      failure = e instanceof Error ? e : new Error(String(e));
      source.off('data', onData);
      source.destroy();
      // Every part settles before the abort: a part stored after it would leave an upload open.
      void Promise.allSettled([...inflight]).then(async () => {
        if (created) {
          const UploadId = await created.catch(() => undefined);
          if (UploadId) await p.s3.send(new AbortMultipartUploadCommand({ ...object, UploadId })).catch(() => undefined);
        }
        reject(failure);
      });
    };

    const ship = (buf: Buffer, len: number) => {
      const PartNumber = ++shipped;
      if (PartNumber > MAX_PARTS) return fail(new Error(`s3://${p.bucket}/${p.key}: more than ${MAX_PARTS} parts (${largestObject(first, tierParts)} bytes)`));
      created ??= p.s3.send(new CreateMultipartUploadCommand({ ...object, ...stored })).then((r) => r.UploadId!);
      const part: Promise<void> = created
        .then((UploadId) => p.s3.send(new UploadPartCommand({ ...object, UploadId, PartNumber, Body: buf.subarray(0, len), ContentLength: len })))
        .then(
          (r) => {
            etags[PartNumber - 1] = r.ETag!;
            inflight.delete(part);
            if (buf.length === nextSize()) spare.push(buf);
            if (!failure && source.isPaused() && inflight.size < budget()) source.resume();
          },
          (e: unknown) => {
            inflight.delete(part);
            fail(e);
          },
        );
      inflight.add(part);
    };

    const onData = (chunk: Buffer) => {
      size += chunk.length;
      for (let off = 0; off < chunk.length && !failure; ) {
        filling ??= buffer();
        const n = Math.min(chunk.length - off, filling.length - fill);
        chunk.copy(filling, fill, off, off + n);
        fill += n;
        off += n;
        if (fill === filling.length) {
          ship(filling, fill);
          filling = undefined;
          fill = 0;
        }
      }
      if (inflight.size >= budget()) source.pause();
    };

    const finish = async () => {
      if (failure) return;
      try {
        if (!created) {
          // It fit in one part: a plain PutObject, as small objects are.
          const Body = filling ? filling.subarray(0, fill) : Buffer.alloc(0);
          await p.s3.send(new PutObjectCommand({ ...object, Body, ContentLength: fill, ...stored }));
          return resolve({ size, parts: 0 });
        }
        if (fill > 0) ship(filling!, fill);
        while (inflight.size > 0 && !failure) await Promise.all([...inflight]);
        if (failure) return;
        const UploadId = await created;
        await p.s3.send(new CompleteMultipartUploadCommand({ ...object, UploadId, MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) } }));
        resolve({ size, parts: shipped });
      } catch (e) {
        fail(e);
      }
    };

    source.on('data', onData);
    source.once('end', () => void finish());
    source.on('error', fail);
  });
}
