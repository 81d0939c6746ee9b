// The sandbox's S3 listing (src/sandbox/s3/s3rver-main.mjs replaces s3rver's)
// answers as S3 does: keys in order, common prefixes for any delimiter,
// start-after and pages, compared with the same listing done by hand over
// every key. Keys are chosen where folder order and key order differ
// ("a-b" < "a/..." < "a0"). Rewritten objects show their new ETag and metadata.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { createS3Client } from '../../src/services/s3/client.ts';

const Bucket = 'zpg-listing';
const dir = mkdtempSync(join(tmpdir(), 'zpg-listing-'));
let server: S3Server;
let s3: S3Client;
const keys = [
  'a', 'a-b', 'a/b', 'a/b/c', 'a/b/d/e', 'a/b_005/x', 'a/c', 'a0', 'a.b/x',
  'spilo/c1/u1/wal/15/basebackups_005/base_1_backup_stop_sentinel.json', 'spilo/c1/u1/wal/15/basebackups_005/base_1/tar_partitions/part_001.tar.br',
  'spilo/c1/u1/wal/15/wal_005/000000010000000000000001.br', 'spilo/c1/u1/wal/15/wal_005/000000010000000000000002.br',
  'spilo/c1/u1/logical_backups/1.sql.gz', 'spilo/c2/wal/wal_005/1.br', 'spilo/c10/u/logical_backups/zpg-1/manifest.json',
  ...Array.from({ length: 12 }, (_, i) => `many/${String(i).padStart(2, '0')}`),
];

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What S3 answers, from the key list (common prefixes rolled up, start-after applied). */
function model(prefix: string, delimiter: string, startAfter: string): { keys: string[]; prefixes: string[] } {
  const out = { keys: [] as string[], prefixes: new Set<string>() };
  for (const k of [...keys].sort()) {
    if (!k.startsWith(prefix) || k <= startAfter) continue;
    const i = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
    if (i === -1) out.keys.push(k);
    else out.prefixes.add(k.slice(0, i + delimiter.length));
  }
  return { keys: out.keys, prefixes: [...out.prefixes].sort() };
}

async function listAll(prefix: string, delimiter: string, startAfter: string, maxKeys?: number) {
  const got = { keys: [] as string[], prefixes: [] as string[] };
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}), ...(startAfter && !token ? { StartAfter: startAfter } : {}), ...(token ? { ContinuationToken: token } : {}), ...(maxKeys ? { MaxKeys: maxKeys } : {}) }));
    got.keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    got.prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { keys: got.keys, prefixes: [...new Set(got.prefixes)].sort() };
}

describe('sandbox S3 listing', () => {
  const cases: [string, string, string, number?][] = [
    ['', '', ''], ['', '/', ''], ['a', '', ''], ['a', '/', ''], ['a/', '/', ''], ['a/b', '/', ''], ['a/', '/', 'a/b'], ['a/', '', 'a/b/c'],
    ['spilo/', '/', ''], ['spilo/', '_005/', ''], ['spilo/c1/u1/', '_005/', ''], ['spilo/c1/u1/wal/15/basebackups_005/', '/', ''],
    ['spilo/c1/u1/wal/15/wal_005/', '', 'spilo/c1/u1/wal/15/wal_005/000000010000000000000001'], ['spilo/c1', '/', ''],
    ['many/', '', '', 5], ['', '/', '', 2], ['many/', '', 'many/03', 4], ['nothing/', '/', ''],
  ];
  it.each(cases)('prefix %j delimiter %j start-after %j max-keys %s', async (prefix, delimiter, startAfter, maxKeys) => {
    const want = model(prefix, delimiter, startAfter);
    const got = await listAll(prefix, delimiter, startAfter, maxKeys);
    expect(got).toEqual(want);
  });
});

describe('sandbox S3 objects rewritten', () => {
  const md5 = (s: string) => `"${createHash('md5').update(s).digest('hex')}"`;
  it('show the new ETag and metadata at once in listings, HEAD and GET (s3rver-main keeps what it read beside each object)', async () => {
    for (const [body, tag] of [['aaaa', '1'], ['bbbb', '2'], ['cccc', '3']] as const) {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'rewritten/x', Body: body, ContentType: 'text/plain', Metadata: { tag } }));
      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'rewritten/' }));
      expect(listed.Contents?.map((c) => [c.Key, c.ETag, c.Size])).toEqual([['rewritten/x', md5(body), 4]]);
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'rewritten/x' }));
      expect([head.ETag, head.Metadata, head.ContentType]).toEqual([md5(body), { tag }, 'text/plain']);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'rewritten/x' }));
      expect([got.ETag, await got.Body!.transformToString()]).toEqual([md5(body), body]);
    }
  });
});
