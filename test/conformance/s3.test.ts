// The AWS SDK v3, through zpg's one S3 client factory, against the sandbox's
// S3 server: WAL-G-shaped listings with delimiters, paging past 1,000 keys,
// streamed and multipart uploads that stay byte-identical (with S3's
// multipart ETag, and InvalidPart for a part that does not match), and
// persistence.
import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCorsCommand, GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutBucketCorsCommand, PutObjectCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { createS3Client, s3ConfigFromEnv } from '../../src/services/s3/client.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-s3-'));
let server: S3Server;
let s3: S3Client;
const Bucket = 'zpg-test';
const client = (endpoint: string, timeoutMs?: number) => createS3Client({ endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function download(key: string): Promise<Buffer> {
  const r = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

async function listAll(Prefix: string): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let pages = 0;
  let ContinuationToken: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket, Prefix, ContinuationToken }));
    keys.push(...(r.Contents ?? []).map((o) => o.Key!));
    pages++;
    ContinuationToken = r.NextContinuationToken;
  } while (ContinuationToken);
  return { keys, pages };
}

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  s3 = client(server.endpoint);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3 through the AWS SDK v3', () => {
  it('lists a WAL-G layout by delimiter', async () => {
    const base = 'spilo/acid-x/4a2b/wal/15';
    for (const key of [`${base}/basebackups_005/base_000000010000000000000003_backup_stop_sentinel.json`, `${base}/basebackups_005/base_000000010000000000000003/tar_partitions/part_1.tar.lz4`, `${base}/wal_005/000000010000000000000003.lz4`, `${base}/wal_005/000000010000000000000004.lz4`]) {
      await s3.send(new PutObjectCommand({ Bucket, Key: key, Body: 'x' }));
    }
    const top = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${base}/`, Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`${base}/basebackups_005/`, `${base}/wal_005/`]);
    const wal = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: `${base}/wal_005/` }));
    expect(wal.Contents?.map((o) => o.Key!.split('/').pop())).toEqual(['000000010000000000000003.lz4', '000000010000000000000004.lz4']);
  });

  it('pages through more than 1,000 keys, each exactly once', async () => {
    const keys = Array.from({ length: 1050 }, (_, i) => `many/obj-${String(i).padStart(5, '0')}`);
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < keys.length) await s3.send(new PutObjectCommand({ Bucket, Key: keys[next++], Body: '1' }));
    }));
    const { keys: listed, pages } = await listAll('many/');
    expect(pages).toBe(2);
    expect(listed).toEqual(keys);
    // 1,050 puts are work, not waiting: 14 s on a busy 2-core machine, over 60 s when the whole suite shares it
  }, 240_000);

  it('keeps a streamed put byte-identical', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'stream/one', Body: Readable.from([data.subarray(0, 1000), data.subarray(1000)]), ContentLength: data.length }));
    expect(sha(await download('stream/one'))).toBe(sha(data));
  });

  it('keeps a multipart upload from a stream byte-identical', async () => {
    const data = randomBytes(11 * 1024 * 1024);
    const chunks = Array.from({ length: 11 }, (_, i) => data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    await new Upload({ client: s3, params: { Bucket, Key: 'multi/dump', Body: Readable.from(chunks) }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
    expect(sha(await download('multi/dump'))).toBe(sha(data));
    // S3's ETag of a multipart object: the MD5 of its parts' MD5s, then the number of parts
    const md5 = (b: Buffer) => createHash('md5').update(b).digest();
    const parts = [data.subarray(0, 5 * 1024 * 1024), data.subarray(5 * 1024 * 1024, 10 * 1024 * 1024), data.subarray(10 * 1024 * 1024)];
    const etag = `"${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-3"`;
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'multi/dump' }))).ETag).toBe(etag);
    expect((await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'multi/' }))).Contents?.map((c) => [c.Key, c.ETag, c.Size])).toEqual([['multi/dump', etag, data.length]]);
  }, 60_000);

  it('refuses to complete a multipart upload with a part that does not match, and keeps the upload', async () => {
    const Key = 'multi/wrong';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: Buffer.from('one part') }));
    const complete = (e: string) => s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e }] } }));
    await expect(complete('"0123456789abcdef0123456789abcdef"')).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(s3.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key }))).Uploads?.map((u) => u.UploadId)).toEqual([UploadId]);
    await complete(ETag!);
    expect((await download(Key)).toString()).toBe('one part');
  });

  it('reads small and large objects, ranges and HEADs as S3 does, and a rewrite at once', async () => {
    const small = randomBytes(1000);
    const large = randomBytes(300 * 1024); // past the size the server reads whole
    await s3.send(new PutObjectCommand({ Bucket, Key: 'read/small', Body: small }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'read/large', Body: large }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'read/empty', Body: '' }));
    expect(sha(await download('read/small'))).toBe(sha(small));
    expect(sha(await download('read/large'))).toBe(sha(large));
    expect((await download('read/empty')).length).toBe(0);
    const range = await s3.send(new GetObjectCommand({ Bucket, Key: 'read/small', Range: 'bytes=10-19' }));
    expect(Buffer.from(await range.Body!.transformToByteArray())).toEqual(small.subarray(10, 20));
    expect(range.ContentRange).toBe('bytes 10-19/1000');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'read/small' }));
    expect(head.ContentLength).toBe(1000);
    expect(head.ETag).toBe(`"${createHash('md5').update(small).digest('hex')}"`);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'read/small', Body: 'rewritten' }));
    expect((await download('read/small')).toString()).toBe('rewritten');
    await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'read/none' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it("applies a bucket's CORS rules as soon as they are set or deleted", async () => {
    const preflight = () => fetch(`${server.endpoint}/${Bucket}/x`, { method: 'OPTIONS', headers: { origin: 'https://console.example', 'access-control-request-method': 'GET' } });
    expect((await preflight()).status).toBe(403);
    await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://console.example'], AllowedMethods: ['GET'] }] } }));
    const allowed = await preflight();
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBeTruthy();
    await s3.send(new DeleteBucketCorsCommand({ Bucket }));
    expect((await preflight()).status).toBe(403);
  });

  it('keeps its data across a restart on the same directory', async () => {
    await server.stop();
    server = await startS3Server({ directory: dir });
    s3 = client(server.endpoint);
    expect((await download('stream/one')).length).toBe(3 * 1024 * 1024 + 17);
  });

  it('fails fast with a clear error when the endpoint is down', async () => {
    const down = client('http://127.0.0.1:9', 1500);
    const started = Date.now();
    await expect(down.send(new CreateBucketCommand({ Bucket: 'nope' }))).rejects.toThrow(/ECONNREFUSED|connect/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reads the S3 settings Spilo pods carry', () => {
    expect(s3ConfigFromEnv({ AWS_ENDPOINT: 'http://minio:9000', AWS_REGION: 'eu-central-1', AWS_S3_FORCE_PATH_STYLE: 'true', WAL_S3_BUCKET: 'backups' })).toEqual({
      endpoint: 'http://minio:9000', region: 'eu-central-1', forcePathStyle: true, bucket: 'backups',
    });
  });
});
