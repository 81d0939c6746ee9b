// The console's backups feed against the sandbox's S3 (s3rver) with a real
// Spilo layout: the catalog of each cluster in the store lands in the store's
// backups slice (window, gap, logical backups), deleted clusters are listed
// only while the browser is open, a refresh reads again at once, a broken
// endpoint is an error on the cluster (not a storm of requests), and with no
// bucket the slice says so without any request.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { segmentFromNumber } from '../../src/services/backups/layout.ts';
import { startBackupsFeed, type BackupsFeed } from '../../src/services/live/backups-feed.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { createZpgStore, type ZpgStore } from '../../src/store/store.ts';
import { eventually } from '../helpers/sandbox.ts';

const Bucket = 'zpg-feed';
const dir = mkdtempSync(join(tmpdir(), 'zpg-feed-'));
let server: S3Server;
let s3: S3Client;
let feed: BackupsFeed | undefined;
const put = (Key: string, Body: string = 'x') => s3.send(new PutObjectCommand({ Bucket, Key, Body }));
const sentinel = (start: number, finish: number, at: string) => JSON.stringify({ LSN: start, FinishLSN: finish, PgVersion: 150004, Version: 2, StartTime: at, FinishTime: at, CompressedSize: 1024 });

/** a store as the cluster feed fills it: two live clusters with their uids */
function storeWith(...names: [string, string, Record<string, unknown>?][]): ZpgStore {
  const store = createZpgStore({ name: 't', namespace: 'default', allNamespaces: false });
  store.getState().apply(names.map(([name, uid, spec]) => ({ op: 'upsert' as const, kind: 'postgresqls' as const, obj: { metadata: { name, namespace: 'default', uid, creationTimestamp: '2026-11-01T00:00:00Z' }, spec: spec ?? {} } })));
  return store;
}

/** counts the S3 requests the feed makes, and those about one cluster */
function counting(client: S3Client, about = 'spilo/shop/') {
  const c = { n: 0, about: 0, client: Object.create(client) as S3Client };
  c.client.send = ((...a: Parameters<S3Client['send']>) => {
    c.n++;
    const input = (a[0] as { input?: { Prefix?: string; Key?: string } }).input;
    if ((input?.Prefix ?? input?.Key ?? '').startsWith(about)) c.about++;
    return client.send(...a);
  }) as S3Client['send'];
  return c;
}

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket] });
  s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs: 20_000 });
  // "shop": a WAL-G backup on TL 1, segments 2..8 with 5 missing (a gap), a logical set and a dumpall.
  const p = 'spilo/shop/u-shop/wal/15/';
  await put(`${p}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, sentinel(0x2000028, 0x2000100, '2026-12-01T10:00:00.000Z'));
  for (const n of [2, 3, 4, 6, 7, 8]) await put(`${p}wal_005/${segmentFromNumber(1, BigInt(n))}.br`);
  await put('spilo/shop/u-shop/logical_backups/1764842400.sql.gz');
  await put('spilo/shop/u-shop/logical_backups/zpg-1/manifest.json', JSON.stringify({ format: 'zpg-logical-set/1', cluster: 'shop', startedAt: '2026-12-04T11:00:00Z', finishedAt: '2026-12-04T11:00:05Z', globals: { key: 'g', size: 1 }, databases: [{ name: 'app', key: 'a', size: 10 }] }));
  // "empty": a live cluster with nothing in the bucket yet
  // "gone": a deleted cluster, found by its uid
  await put('spilo/gone/u-gone/wal/15/basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json', sentinel(0x2000028, 0x2000100, '2026-11-20T10:00:00.000Z'));
  await put(`spilo/gone/u-gone/wal/15/wal_005/${segmentFromNumber(1, 2n)}.br`);
}, 120_000);

afterEach(() => {
  feed?.stop();
  feed = undefined;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('backups feed', () => {
  it('reads each cluster of the store into the backups slice, deleted ones only while browsing, and again on refresh', async () => {
    const store = storeWith(['shop', 'u-shop', { enableLogicalBackup: true }], ['empty', 'u-empty']);
    const c = counting(s3);
    feed = startBackupsFeed(store, { source: async () => ({ settings: { s3: c.client, walBucket: Bucket }, source: `s3://${Bucket}` }) });
    const shop = await eventually('shop read', () => store.getState().backups.clusters['default/shop']?.catalog ?? undefined, 60_000);
    expect(store.getState().backups).toMatchObject({ configured: true, source: `s3://${Bucket}` });
    expect(shop!.baseBackups.map((b) => b.id)).toEqual(['base_000000010000000000000002']);
    expect(shop!.window.from).toBe('2026-12-01T10:00:00.000Z');
    expect(shop!.window.gaps).toEqual([{ timeline: 1, from: '000000010000000000000005', to: '000000010000000000000005' }]);
    expect(shop!.logicalBackups.map((b) => [b.id, b.kind])).toEqual([['1764842400.sql.gz', 'logical-dumpall'], ['zpg-1', 'logical-set']]);
    expect(store.getState().backups.clusters['default/shop'].schedules).toMatchObject({ base: '00 1 * * *', logical: '30 00 * * *', since: '2026-11-01T00:00:00Z' });
    const empty = await eventually('empty read', () => store.getState().backups.clusters['default/empty']?.catalog ?? undefined, 60_000);
    expect(empty!.baseBackups).toEqual([]);
    // not browsing: the bucket is not listed for deleted clusters
    expect(store.getState().backups.deleted).toBeUndefined();

    store.getState().setBackups(() => ({ browsing: true }));
    const deleted = await eventually('deleted listed', () => store.getState().backups.deleted, 60_000);
    expect(deleted!.refs).toEqual([{ cluster: 'gone', uid: 'u-gone' }]);
    const gone = await eventually('deleted catalog', () => store.getState().backups.deletedCatalogs['gone/u-gone']?.catalog ?? undefined, 60_000);
    expect(gone!.baseBackups.map((b) => b.finishTime)).toEqual(['2026-11-20T10:00:00.000Z']);

    // a new logical backup, then a refresh (as after a backup task): read at once, not in two minutes
    const before = store.getState().backups.clusters['default/shop'].at;
    await put('spilo/shop/u-shop/logical_backups/1764928800.sql.gz');
    feed.refresh('default/shop');
    const again = await eventually('shop read again', () => {
      const v = store.getState().backups.clusters['default/shop'];
      return v.at > before ? v.catalog : undefined;
    }, 60_000);
    expect(again?.logicalBackups.map((b) => b.id)).toContain('1764928800.sql.gz');
  }, 240_000);

  it('a broken endpoint is an error on the cluster, retried on its interval, not in a loop', async () => {
    const store = storeWith(['shop', 'u-shop']);
    const broken = createS3Client({ endpoint: 'http://127.0.0.1:9', accessKeyId: 'x', secretAccessKey: 'y', timeoutMs: 2_000 });
    const c = counting(broken);
    feed = startBackupsFeed(store, { source: async () => ({ settings: { s3: c.client, walBucket: Bucket }, source: 's3://broken' }), intervalMs: 600_000, focusIntervalMs: 600_000, timeoutMs: 10_000 });
    const err = await eventually('error recorded', () => store.getState().backups.clusters['default/shop']?.error, 60_000);
    expect(err).toBeTruthy();
    expect(store.getState().backups.clusters['default/shop'].catalog).toBeUndefined();
    const after = c.about;
    expect(after).toBeGreaterThan(0);
    // another cluster appears: the feed makes a pass and reads it; shop's failed read is not started again before its interval
    store.getState().upsert('postgresqls', { metadata: { name: 'other', namespace: 'default', uid: 'u-other' }, spec: {} });
    await eventually('other tried', () => store.getState().backups.clusters['default/other']?.error, 60_000);
    expect(c.about).toBe(after);
  }, 120_000);

  it("a new cluster's first backup shows within the open cluster's interval, not the two minutes of the others", async () => {
    const store = storeWith(['old-empty', 'u-old-empty']);
    store.getState().upsert('postgresqls', { metadata: { name: 'young', namespace: 'default', uid: 'u-young', creationTimestamp: new Date().toISOString() }, spec: {} });
    feed = startBackupsFeed(store, { source: async () => ({ settings: { s3, walBucket: Bucket }, source: `s3://${Bucket}` }), intervalMs: 600_000, focusIntervalMs: 1_000 });
    await eventually('young read, empty', () => store.getState().backups.clusters['default/young']?.catalog, 60_000);
    const old = await eventually('old read, empty', () => store.getState().backups.clusters['default/old-empty'], 60_000);
    expect(store.getState().backups.clusters['default/young'].catalog!.baseBackups).toEqual([]);
    // its first base backup arrives: no refresh, no focus, yet it is on screen long before ten minutes
    const key = 'spilo/young/u-young/wal/15/basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json';
    await put(key, sentinel(0x2000028, 0x2000100, new Date().toISOString()));
    // the other tests list the bucket's clusters: this one leaves it as it found it
    onTestFinished(() => s3.send(new DeleteObjectCommand({ Bucket, Key: key })).then(() => {}));
    const young = await eventually('young backup seen', () => store.getState().backups.clusters['default/young']?.catalog?.baseBackups[0], 60_000);
    expect(young!.id).toBe('base_000000010000000000000002');
    // a cluster older than an hour without backups keeps the long interval: read once, not again
    expect(store.getState().backups.clusters['default/old-empty'].at).toBe(old!.at);
  }, 120_000);

  it('a cluster alive in another namespace is not listed as deleted', async () => {
    const store = storeWith(['shop', 'u-shop']);
    store.getState().setBackups(() => ({ browsing: true }));
    feed = startBackupsFeed(store, { source: async () => ({ settings: { s3, walBucket: Bucket }, source: `s3://${Bucket}` }), liveClusters: async () => [{ name: 'gone', uid: 'u-gone' }] });
    const deleted = await eventually('deleted listed', () => store.getState().backups.deleted, 60_000);
    expect(deleted!.refs).toEqual([]);
  }, 120_000);

  it('no bucket: "not configured" once, and no request', async () => {
    const store = storeWith(['shop', 'u-shop']);
    feed = startBackupsFeed(store, { source: async () => undefined });
    await eventually('configured false', () => store.getState().backups.configured === false || undefined, 10_000);
    expect(store.getState().backups.clusters).toEqual({});
  });
});
