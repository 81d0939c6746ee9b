// The backup catalog over hand-built Spilo layouts in the sandbox's S3: WAL-G
// and WAL-E base backups, three timelines, a WAL gap, logical backups in
// Zalando's and zpg's shapes, deleted clusters, and a request count that does
// not grow with the number of WAL files before the newest backup, and a window
// that stays open while the newest backup waits for its WAL; sentinels kept on disk for the next process.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { findClustersInBucket, readBucketCatalog, readClusterBackups, type CatalogSettings } from '../../src/services/backups/catalog.ts';
import { segmentFromNumber } from '../../src/services/backups/layout.ts';
import { SentinelCacheFile } from '../../src/services/backups/sentinel-cache-file.ts';
import { createS3Client } from '../../src/services/s3/client.ts';

const Bucket = 'zpg-catalog';
const dir = mkdtempSync(join(tmpdir(), 'zpg-catalog-'));
let server: S3Server;
let s3: S3Client;
let settings: CatalogSettings;
const put = (Key: string, Body: string | Buffer = '') => s3.send(new PutObjectCommand({ Bucket, Key, Body }));

const sentinel = (startLsn: number, finishLsn: number, finishTime: string) =>
  JSON.stringify({ LSN: startLsn, FinishLSN: finishLsn, PgVersion: 150004, SystemIdentifier: 7715528053577675451n.toString(), UncompressedSize: 100, CompressedSize: 50, Version: 2, StartTime: finishTime, FinishTime: finishTime }).replace(
    '"7715528053577675451"',
    '7715528053577675451',
  );

/**
 * A client whose every request passes its middleware: zpg's own (createS3Client) sends most catalog reads lean,
 * around the middleware (test/integration/s3-lean-reads.test.ts checks that path gives the same catalog).
 */
const sdkOnly = () => new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });

/** Segments `from..to` (numbers) of a timeline under a prefix, as WAL-G names them (.lz4). */
async function segments(prefix: string, tl: number, from: number, to: number, skip: number[] = []): Promise<void> {
  for (let n = from; n <= to; n++) if (!skip.includes(n)) await put(`${prefix}wal_005/${segmentFromNumber(tl, BigInt(n))}.lz4`, 'x');
}

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  settings = { s3, walBucket: Bucket };
  // "three": WAL-G, timelines 1 → 2 → 3, a backup on TL 1, segments 2..9 on TL1, TL2 from 9 (switch 0/9000000), TL3 from 0xC.
  const p3 = 'spilo/three/u-3/wal/15/';
  await put(`${p3}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, sentinel(0x2000028, 0x2000100, '2026-12-01T10:00:00.000Z'));
  await put(`${p3}basebackups_005/base_000000010000000000000002/tar_partitions/part_001.tar.lz4`, 'tar');
  await segments(p3, 1, 2, 9);
  await put(`${p3}wal_005/00000002.history.br`, brotliCompressSync('1\t0/9000000\tno recovery target specified\n'));
  await segments(p3, 2, 9, 0xc);
  await put(`${p3}wal_005/00000003.history.br`, brotliCompressSync('1\t0/9000000\tno recovery target specified\n2\t0/C000000\tno recovery target specified\n'));
  await segments(p3, 3, 0xc, 0xe);
  // "gappy": a gap after the backup (segment 5 missing), also an unfinished backup (no sentinel).
  const pg = 'spilo/gappy/u-g/wal/15/';
  await put(`${pg}basebackups_005/base_000000010000000000000003_backup_stop_sentinel.json`, sentinel(0x3000028, 0x3000100, '2026-12-02T10:00:00.000Z'));
  await put(`${pg}basebackups_005/base_000000010000000000000009/tar_partitions/part_001.tar.lz4`, 'half');
  await segments(pg, 1, 3, 8, [5]);
  // "wale": WAL-E's layout (Spilo's default on S3), plus logical backups in both shapes.
  const pe = 'spilo/wale/u-e/wal/15/';
  await put(`${pe}basebackups_005/base_000000010000000000000004_00000028_backup_stop_sentinel.json`, JSON.stringify({ wal_segment_backup_stop: '000000010000000000000004', wal_segment_offset_backup_stop: '00000100', expanded_size_bytes: 4096 }));
  await segments(pe, 1, 4, 6);
  await put('spilo/wale/u-e/logical_backups/1764842400.sql.gz', 'dump');
  await put('spilo/wale/u-e/logical_backups/zpg-1764846000/globals.sql.gz', 'g');
  await put('spilo/wale/u-e/logical_backups/zpg-1764846000/manifest.json', JSON.stringify({ format: 'zpg-logical-set/1', cluster: 'wale', startedAt: '2026-12-04T11:00:00Z', finishedAt: '2026-12-04T11:00:05Z', globals: { key: 'g', size: 1 }, databases: [{ name: 'app', key: 'a', size: 10 }] }));
  // an unfinished set (no manifest) is no backup
  await put('spilo/wale/u-e/logical_backups/zpg-1764849600/globals.sql.gz', 'g');
  // "gone": two incarnations of a deleted cluster
  await put('spilo/gone/u-old/wal/15/wal_005/000000010000000000000001.lz4', 'x');
  await put('spilo/gone/u-new/logical_backups/1764842400.sql.gz', 'x');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup catalog', () => {
  it('follows three timelines to the newest archived segment', async () => {
    const c = await readClusterBackups(settings, { cluster: 'three', uid: 'u-3' });
    expect(c.baseBackups.map((b) => [b.id, b.kind, b.format, b.startLsn, b.finishLsn, b.systemIdentifier])).toEqual([
      ['base_000000010000000000000002', 'base', 'wal-g', '0/2000028', '0/2000100', '7715528053577675451'],
    ]);
    expect(c.window.timelines.map((t) => [t.parent, t.timeline, t.switchLsn])).toEqual([[1, 2, '0/9000000'], [2, 3, '0/C000000']]);
    expect(c.window).toMatchObject({ from: '2026-12-01T10:00:00.000Z', fromBackup: 'base_000000010000000000000002', toSegment: '00000003000000000000000E', gaps: [] });
    expect(c.window.to).not.toBeNull();
  });

  it('flags a WAL gap and ends the window before it; a backup without its sentinel is not listed', async () => {
    const c = await readClusterBackups(settings, { cluster: 'gappy', uid: 'u-g' });
    expect(c.baseBackups.map((b) => b.id)).toEqual(['base_000000010000000000000003']);
    expect(c.window.gaps).toEqual([{ timeline: 1, from: '000000010000000000000005', to: '000000010000000000000005' }]);
    expect(c.window.toSegment).toBe('000000010000000000000004');
    expect(c.lastArchivedWal?.segment).toBe('000000010000000000000008');
  });

  it('reads WAL-E backups and both logical backup shapes', async () => {
    const c = await readClusterBackups(settings, { cluster: 'wale', uid: 'u-e' });
    expect(c.baseBackups.map((b) => [b.id, b.format, b.startLsn, b.finishSegment])).toEqual([['base_000000010000000000000004_00000028', 'wal-e', '0/4000028', '000000010000000000000004']]);
    expect(c.window.toSegment).toBe('000000010000000000000006');
    expect(c.logicalBackups.map((l) => [l.id, l.kind, l.databases ?? null])).toEqual([
      ['1764842400.sql.gz', 'logical-dumpall', null],
      ['zpg-1764846000', 'logical-set', ['app']],
    ]);
  });

  it('finds every name/uid pair under spilo/, deleted ones included', async () => {
    const { refs } = await findClustersInBucket(settings);
    expect(refs.map((r) => `${r.cluster}/${r.uid}`).filter((r) => !r.startsWith('big/'))).toEqual(['gappy/u-g', 'gone/u-new', 'gone/u-old', 'three/u-3', 'wale/u-e']);
  });

  it('reads a whole bucket from one scan, clusters in parallel, with the same result as one by one', async () => {
    // Every request through the client's middleware: what it asked for, and how many were in flight at once.
    const counted = sdkOnly();
    const seen: string[] = [];
    let inFlight = 0;
    let most = 0;
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(`${context.commandName} ${JSON.stringify(args.input)}`);
        most = Math.max(most, ++inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const all = await readBucketCatalog({ s3: counted, walBucket: Bucket });
    const one = await Promise.all(all.clusters.map((c) => readClusterBackups(settings, { cluster: c.cluster, uid: c.uid })));
    expect(all.clusters.map((c) => ({ ...c, requests: 0 }))).toEqual(one.map((c) => ({ ...c, requests: 0 })));
    expect(all.requests).toBe(seen.length);
    // One listing of spilo/ finds every cluster; no listing per cluster directory, wal/ or logical_backups/ folder.
    const lists = seen.filter((r) => r.startsWith('ListObjectsV2'));
    expect(lists.filter((r) => r.includes('"Prefix":"spilo/"'))).toHaveLength(1);
    expect(lists.filter((r) => /"Prefix":"spilo\/[^/]+\/(\w|-)+\/"|\/wal\/"|logical_backups\/"/.test(r))).toEqual([]);
    // Per cluster: its basebackups_005/ and wal_005/ listings, a GET per sentinel and per history file.
    const sentinels = one.reduce((n, c) => n + c.baseBackups.length, 0) + 1; // the unfinished set's manifest is not read, gappy's half backup has none
    expect(all.requests).toBeLessThanOrEqual(1 + 2 * all.clusters.length + sentinels + 2);
    expect(most).toBeGreaterThan(1);
  });

  it('takes the same number of requests whatever the number of WAL files before the newest backup', async () => {
    const p = 'spilo/big/u-b/wal/15/';
    const start = 0x700; // segment 0/7000000... of timeline 1
    await put(`${p}basebackups_005/base_${segmentFromNumber(1, BigInt(start))}_backup_stop_sentinel.json`, sentinel(start * 2 ** 24 + 0x28, start * 2 ** 24 + 0x100, '2026-12-03T10:00:00.000Z'));
    await segments(p, 1, start, start + 2);
    const before = await readClusterBackups(settings, { cluster: 'big', uid: 'u-b' });
    // 1,500 older segments: more than one listing page
    for (let i = 0; i < 1500; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => put(`${p}wal_005/${segmentFromNumber(1, BigInt(start - 1 - i - j))}.lz4`, 'x')));
    const after = await readClusterBackups(settings, { cluster: 'big', uid: 'u-b' });
    expect(after.requests).toBe(before.requests);
    expect(after.window).toEqual(before.window);
    expect(after.window.toSegment).toBe(segmentFromNumber(1, BigInt(start + 2)));
  }, 120_000);

  it('lists the WAL tail while it reads the sentinels; a newest sentinel that is not JSON leaves the window to the one before', async () => {
    const p = 'spilo/overlap/u-o/wal/15/';
    const at = (seg: number, body: string) => put(`${p}basebackups_005/base_${segmentFromNumber(1, BigInt(seg))}_backup_stop_sentinel.json`, body);
    await at(2, sentinel(2 * 2 ** 24 + 0x28, 2 * 2 ** 24 + 0x100, '2026-12-03T09:00:00.000Z'));
    await segments(p, 1, 2, 9);
    await at(6, sentinel(6 * 2 ** 24 + 0x28, 6 * 2 ** 24 + 0x100, '2026-12-03T12:00:00.000Z'));
    // Each request's start and end, in order.
    const timed = sdkOnly();
    const events: string[] = [];
    timed.middlewareStack.add(
      (next, context) => async (args) => {
        const what = `${context.commandName} ${(args.input as { Key?: string; Prefix?: string }).Key ?? (args.input as { Prefix?: string }).Prefix}`;
        events.push(`start ${what}`);
        try {
          return await next(args);
        } finally {
          events.push(`end ${what}`);
        }
      },
      { step: 'initialize', name: 'orderRequests' },
    );
    const good = await readClusterBackups({ s3: timed, walBucket: Bucket }, { cluster: 'overlap', uid: 'u-o' });
    expect(good.window).toMatchObject({ toSegment: segmentFromNumber(1, 9n), checkedFrom: `base_${segmentFromNumber(1, 6n)}` });
    const walList = events.indexOf(`start ListObjectsV2Command ${p}wal_005/`);
    const lastSentinelEnd = events.findLastIndex((e) => e.startsWith('end GetObjectCommand') && e.endsWith('_backup_stop_sentinel.json'));
    expect(walList).toBeGreaterThan(-1);
    expect(walList).toBeLessThan(lastSentinelEnd);
    expect(events.filter((e) => e === `start ListObjectsV2Command ${p}wal_005/`)).toHaveLength(1);

    // The newest sentinel rewritten as garbage: that backup is not listed, the tail is read again from the older one.
    await at(6, 'not json');
    const bad = await readClusterBackups(settings, { cluster: 'overlap', uid: 'u-o' });
    expect(bad.baseBackups.map((b) => b.id)).toEqual([`base_${segmentFromNumber(1, 2n)}`]);
    expect(bad.window).toMatchObject({ from: '2026-12-03T09:00:00.000Z', toSegment: segmentFromNumber(1, 9n), checkedFrom: `base_${segmentFromNumber(1, 2n)}`, gaps: [] });
    expect(bad.requests).toBe(good.requests + 1);
  });

  it('never ends the window before it starts: a backup that finished after its last segment was uploaded', async () => {
    const p = 'spilo/justone/u-j/wal/15/';
    await segments(p, 1, 3, 3);
    // As in the demo: the finish segment is archived (listed in whole seconds), the sentinel comes a moment later.
    const finished = new Date(Date.now() + 2500).toISOString();
    await put(`${p}basebackups_005/base_${segmentFromNumber(1, 3n)}_backup_stop_sentinel.json`, sentinel(3 * 2 ** 24 + 0x28, 3 * 2 ** 24 + 0x100, finished));
    const c = await readClusterBackups(settings, { cluster: 'justone', uid: 'u-j' });
    expect(c.window).toMatchObject({ from: finished, to: finished, toSegment: segmentFromNumber(1, 3n) });
    expect(Date.parse(c.window.to!)).toBeGreaterThanOrEqual(Date.parse(c.window.from!));
  });

  it('keeps the window of the older backups while the newest one waits for its WAL', async () => {
    const p = 'spilo/fresh/u-f/wal/15/';
    const at = (seg: number, time: string) => put(`${p}basebackups_005/base_${segmentFromNumber(1, BigInt(seg))}_backup_stop_sentinel.json`, sentinel(seg * 2 ** 24 + 0x28, seg * 2 ** 24 + 0x100, time));
    await at(2, '2026-12-03T09:00:00.000Z');
    await segments(p, 1, 2, 6);
    // the newest backup is done, its segment 7 not archived yet: restoring it is not possible, restoring to segment 6 is
    await at(7, '2026-12-03T12:00:00.000Z');
    const waiting = await readClusterBackups(settings, { cluster: 'fresh', uid: 'u-f' });
    expect(waiting.window).toMatchObject({ from: '2026-12-03T09:00:00.000Z', toSegment: '000000010000000000000006', gaps: [] });
    await segments(p, 1, 7, 7);
    const archived = await readClusterBackups(settings, { cluster: 'fresh', uid: 'u-f' });
    expect(archived.window).toMatchObject({ from: '2026-12-03T09:00:00.000Z', toSegment: '000000010000000000000007', checkedFrom: `base_${segmentFromNumber(1, 7n)}` });
  });

  it('a new process GETs only the sentinels no earlier one read (kept on disk, 0600); a rewritten one is read again', async () => {
    const p = 'spilo/cached/u-c/wal/15/';
    const at = (seg: number, time: string) => put(`${p}basebackups_005/base_${segmentFromNumber(1, BigInt(seg))}_backup_stop_sentinel.json`, sentinel(seg * 2 ** 24 + 0x28, seg * 2 ** 24 + 0x100, time));
    await at(2, '2026-12-05T09:00:00.000Z');
    await at(4, '2026-12-05T10:00:00.000Z');
    await segments(p, 1, 2, 6);
    const file = join(dir, 'home-cache', 'zpg', 'sentinels.json');
    const ref = { cluster: 'cached', uid: 'u-c' };
    // each SentinelCacheFile is a new process's: it knows only the file
    const first = await readClusterBackups({ ...settings, sentinels: await SentinelCacheFile.open(file) }, ref);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await readClusterBackups({ ...settings, sentinels: await SentinelCacheFile.open(file) }, ref);
    expect(second.requests).toBe(first.requests - 2);
    expect(second.baseBackups).toEqual(first.baseBackups);
    expect(second.window).toEqual(first.window);
    // wal-g backup-mark rewrites a sentinel: new ETag, new time, read again; the other one still comes from disk
    await at(2, '2026-12-05T09:30:00.000Z');
    const third = await readClusterBackups({ ...settings, sentinels: await SentinelCacheFile.open(file) }, ref);
    expect(third.requests).toBe(first.requests - 1);
    // (not the window's start: that follows the upload times, as Spilo picks backups, and the rewrite may land a second later)
    expect(third.baseBackups.find((b) => b.id === `base_${segmentFromNumber(1, 2n)}`)?.finishTime).toBe('2026-12-05T09:30:00.000Z');
    // a broken file is an empty cache, not an error
    writeFileSync(file, '{"version":1,"entries":[[1');
    const broken = await readClusterBackups({ ...settings, sentinels: await SentinelCacheFile.open(file) }, ref);
    expect(broken.requests).toBe(first.requests);
    expect(broken.baseBackups).toEqual(third.baseBackups);
  });

  it('writes the sentinel file a few times, not once per cluster, when many clusters flush at once; every sentinel lands', async () => {
    const file = join(dir, 'flush-cache', 'zpg', 'sentinels.json');
    const cache = await SentinelCacheFile.open(file);
    const id = (i: number) => cache.id(Bucket, { key: `spilo/c${i}/s.json`, etag: '"e"', lastModified: new Date(i * 1000), size: 1 })!;
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      cache.set(id(i), `{"LSN":${i}}`);
      flushes.push(cache.flush());
      if (i % 50 === 49) await flushes.at(-1);
    }
    await Promise.all(flushes);
    expect(cache.written).toBeGreaterThanOrEqual(1);
    expect(cache.written).toBeLessThanOrEqual(8);
    const again = await SentinelCacheFile.open(file);
    expect(again.get(id(199))).toBe('{"LSN":199}');
    expect(again.get(id(0))).toBe('{"LSN":0}');
  });
});
