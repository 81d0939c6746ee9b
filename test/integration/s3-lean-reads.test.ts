// The catalog's lean reads (src/services/s3/lean-reads.ts) against the sandbox's
// S3 behind a proxy that checks every SigV4 signature as S3 does: the same
// listings, texts and catalog as through the SDK alone, for keys that need
// escaping too; a missing key is reported by the SDK as before; a failing
// route is handed back; and the route is learned as the SDK sends it.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { readBucketCatalog } from '../../src/services/backups/catalog.ts';
import { getText, isMissing, list, type Reader } from '../../src/services/backups/s3-list.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { startSigV4Check, type SigV4Check } from '../helpers/sigv4-check.ts';
import { leanList, leanStats, objectPath, routeOf } from '../../src/services/s3/lean-reads.ts';

const Bucket = 'zpg-lean';
const dir = mkdtempSync(join(tmpdir(), 'zpg-lean-'));
let server: S3Server;
let check: SigV4Check;
let lean: S3Client;
/** the SDK alone: a client zpg's factory did not make has no lean path */
let sdk: S3Client;
const reader = (s3: S3Client): Reader => ({ s3, bucket: Bucket, requests: 0 });

// beside spilo/, where the catalog does not look
const tricky = ['dumps/a b&c+d=e.sql.gz', 'dumps/ünï-çødé ✓.sql.gz', "dumps/x'(y)*!~%20<z>&amp;.sql.gz"];

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  check = await startSigV4Check(server.endpoint, 'S3RVER');
  const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  lean = createS3Client({ endpoint: check.endpoint, ...creds });
  sdk = new S3Client({ endpoint: check.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: creds });
  const put = (Key: string, Body: string) => sdk.send(new PutObjectCommand({ Bucket, Key, Body }));
  for (const [i, k] of tricky.entries()) await put(k, `dump ${i}`);
  const p = 'spilo/c1/u-1/wal/15/';
  await put(`${p}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, JSON.stringify({ LSN: 0x2000028, FinishLSN: 0x2000100, Version: 2, StartTime: '2026-12-01T10:00:00Z', FinishTime: '2026-12-01T10:00:05Z', UncompressedSize: 10 }));
  for (let n = 2; n <= 6; n++) await put(`${p}wal_005/00000001000000000000000${n}.lz4`, 'x');
  await put('spilo/c1/u-1/logical_backups/1764842400.sql.gz', 'dump');
  await put('spilo/gone/u-9/wal/15/wal_005/000000010000000000000001.lz4', 'x');
}, 60_000);

afterAll(async () => {
  lean?.destroy();
  sdk?.destroy();
  await check?.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('lean S3 reads', () => {
  it('read the same catalog as the SDK alone, and do read it (after the first listing)', async () => {
    const viaSdk = await readBucketCatalog({ s3: sdk, walBucket: Bucket });
    const before = leanStats(lean).sent;
    const viaLean = await readBucketCatalog({ s3: lean, walBucket: Bucket });
    expect(viaLean).toEqual(viaSdk);
    expect(viaLean.clusters.map((c) => [c.cluster, c.baseBackups.length, c.logicalBackups.length, c.window.toSegment])).toEqual([
      ['c1', 1, 1, '000000010000000000000006'],
      ['gone', 0, 0, null],
    ]);
    // all but the scan, which the SDK sent (and from which the route was learned)
    expect(leanStats(lean).sent - before).toBe(viaLean.requests - 1);
    expect(leanStats(lean).handedBack).toBe(0);
    expect(check.refused).toBe(0);
  });

  it('list and GET keys that need escaping, signed as S3 checks them', async () => {
    const a = await list(reader(lean), 'dumps/');
    const b = await list(reader(sdk), 'dumps/');
    expect(a).toEqual(b);
    expect(a.objects.map((o) => o.key).sort()).toEqual([...tricky].sort());
    const sent = leanStats(lean).sent;
    for (const [i, k] of tricky.entries()) expect(await getText(reader(lean), k)).toBe(`dump ${i}`);
    expect(leanStats(lean).sent - sent).toBe(tricky.length);
    expect(check.refused).toBe(0);
  });

  it('pages with continuation tokens and start-after as the SDK does', async () => {
    await list(reader(lean), 'spilo/');
    const first = await leanList(lean, Bucket, { prefix: 'spilo/c1/u-1/wal/15/wal_005/', startAfter: 'spilo/c1/u-1/wal/15/wal_005/000000010000000000000002.lz4', maxKeys: 2 });
    expect(first?.contents.map((c) => c.key.slice(-8))).toEqual(['003.lz4'.padStart(8, '0'), '004.lz4'.padStart(8, '0')]);
    expect(first?.isTruncated).toBe(true);
    const next = await leanList(lean, Bucket, { prefix: 'spilo/c1/u-1/wal/15/wal_005/', continuationToken: first!.nextToken!, maxKeys: 2 });
    expect(next?.contents.map((c) => c.key.slice(-7))).toEqual(['005.lz4', '006.lz4']);
    expect(next?.isTruncated).toBe(false);
  });

  it('hand a missing key back to the SDK, which reports it as missing', async () => {
    await list(reader(lean), 'spilo/');
    const { handedBack } = leanStats(lean);
    const e = await getText(reader(lean), 'spilo/c1/u-1/wal/15/basebackups_005/no_such_sentinel.json').catch((err: unknown) => err);
    expect(isMissing(e)).toBe(true);
    expect(leanStats(lean).handedBack).toBe(handedBack + 1);
    // a missing key says nothing against the route: the next read is lean again
    const sent = leanStats(lean).sent;
    await list(reader(lean), 'spilo/c1/');
    expect(leanStats(lean).sent).toBe(sent + 1);
  });

  it('hand a failing route back to the SDK, learn it anew from its next good listing, and give up after three failures in a row', async () => {
    const client = createS3Client({ endpoint: check.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    await list(reader(client), 'spilo/');
    // the check refuses a wrong secret's signature, and the SDK reports it
    const wrong = createS3Client({ endpoint: check.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'wrong' });
    await expect(list(reader(wrong), 'spilo/')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    expect(leanStats(wrong)).toEqual({ sent: 0, handedBack: 0 });
    expect((await list(reader(client), 'spilo/c1/', { delimiter: '/' })).prefixes).toEqual(['spilo/c1/u-1/']);
    expect(leanStats(client)).toMatchObject({ sent: 1, handedBack: 0 });
    // A store that turns the lean requests away (they carry no SDK invocation id): each is handed back and the
    // SDK's answer teaches the route again, until three refusals in a row leave the reading to the SDK alone.
    check.refuseIf = (req) => req.headers['amz-sdk-invocation-id'] === undefined;
    try {
      for (let i = 1; i <= 5; i++) {
        const refused = check.refused;
        expect((await list(reader(client), 'spilo/c1/', { delimiter: '/' })).prefixes).toEqual(['spilo/c1/u-1/']);
        expect(leanStats(client)).toEqual({ sent: 1, handedBack: Math.min(i, 3) });
        expect(check.refused).toBe(refused + (i <= 3 ? 1 : 0));
      }
    } finally {
      check.refuseIf = undefined;
    }
  });

  it('give a store that stalls mid-answer up at the deadline and ask the SDK', async () => {
    // (the SDK's requests have the same deadline: long enough for s3rver on a loaded machine)
    const client = createS3Client({ endpoint: check.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs: 3000 });
    await list(reader(client), 'spilo/');
    check.stallIf = (req) => req.headers['amz-sdk-invocation-id'] === undefined;
    try {
      expect((await list(reader(client), 'spilo/c1/', { delimiter: '/' })).prefixes).toEqual(['spilo/c1/u-1/']);
      expect(leanStats(client)).toEqual({ sent: 0, handedBack: 1 });
    } finally {
      check.stallIf = undefined;
    }
  });
});

describe('the route of a bucket, as the SDK sent a listing there', () => {
  const signedBy = async (client: S3Client, command?: ListObjectsV2Command | GetObjectCommand) => {
    let sent: Parameters<typeof routeOf>[0] | undefined;
    client.middlewareStack.add(
      () => async (args) => {
        sent = args.request as typeof sent;
        // what S3 answers, so the SDK's own listing completes without a network
        return { response: { statusCode: 200, headers: {}, body: undefined } as never, output: { $metadata: {} } as never };
      },
      { step: 'finalizeRequest', priority: 'low', name: 'capture' },
    );
    await client.send((command ?? new ListObjectsV2Command({ Bucket: 'zpg-wal', Prefix: 'spilo/' })) as ListObjectsV2Command).catch(() => undefined);
    return sent!;
  };

  it('is virtual-hosted on AWS, signed for the bucket region', async () => {
    const route = routeOf(await signedBy(createS3Client({ region: 'eu-central-1', accessKeyId: 'AK', secretAccessKey: 'SK' })));
    expect(route).toEqual({ protocol: 'https:', hostname: 'zpg-wal.s3.eu-central-1.amazonaws.com', host: 'zpg-wal.s3.eu-central-1.amazonaws.com', path: '', region: 'eu-central-1', service: 's3' });
  });

  it('is path style under a custom endpoint, after its own path', async () => {
    const route = routeOf(await signedBy(createS3Client({ endpoint: 'http://minio.backup.svc:9000/store', accessKeyId: 'AK', secretAccessKey: 'SK' })));
    expect(route).toMatchObject({ protocol: 'http:', hostname: 'minio.backup.svc', port: 9000, host: 'minio.backup.svc:9000', path: '/store/zpg-wal' });
  });

  it('has keys escaped as the SDK escapes them', async () => {
    for (const key of [...tricky, 'spilo/c1/u-1/wal/15/basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json']) {
      const client = createS3Client({ endpoint: 'http://minio:9000', accessKeyId: 'AK', secretAccessKey: 'SK' });
      const sent = await signedBy(client, new GetObjectCommand({ Bucket: 'zpg-wal', Key: key }));
      expect(`/zpg-wal${objectPath(key)}`).toBe(sent.path);
    }
  });

  it('is none for anything but plain SigV4', () => {
    const base = { protocol: 'https:', hostname: 'h', path: '/', headers: { host: 'h' } };
    expect(routeOf({ ...base, headers: { host: 'h', authorization: 'AWS4-ECDSA-P256-SHA256 Credential=AK/20261207/s3/aws4_request, SignedHeaders=host, Signature=x' } })).toBeUndefined();
    expect(routeOf({ ...base, headers: { host: 'h', authorization: 'AWS4-HMAC-SHA256 Credential=AK/20261207/us-east-1/s3express/aws4_request, SignedHeaders=host, Signature=x', 'x-amz-s3session-token': 't' } })).toBeUndefined();
    expect(routeOf(base)).toBeUndefined();
  });
});
