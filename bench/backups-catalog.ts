// BENCH=backups: the backup catalog on the sandbox's S3 (s3rver).
// 1. The catalog of 500 clusters (each: two WAL-G base backups, WAL after them, a logical backup): one scan of
//    the bucket, then every cluster, 32 at a time (goal < 2 s), against the same run's flat listing of every key
//    in the bucket (what a reader that skipped nothing would have to list). The goal's reader is a `zpg` that
//    just started (a new process, its V8 cold) against an S3 that has served before, as every real S3 has: a
//    reader process before it warms the server, and reports its own first read (server and reader both cold)
//    for comparison; and new reader processes that read the bucket before (zpg keeps the sentinels it read on
//    disk). Then the same again by a reader that keeps the sentinels it read (the console's feed, the metrics),
//    and a new reader in this warm process.
// 2. The S3 request count of one cluster's catalog with 0 and with N older WAL keys before its newest backup:
//    it must not change. s3rver keeps one file per key, so the keys are written straight into its directory
//    layout (the way s3rver itself stores them); N is BENCH_WAL_KEYS (default 200,000; 1,000,000 takes
//    a million inodes and a few minutes).
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startS3Server } from '../src/sandbox/s3/server.ts';
import { readBucketCatalog, readClusterBackups, type CatalogSettings } from '../src/services/backups/catalog.ts';
import { createS3Client } from '../src/services/s3/client.ts';
import { SentinelCache } from '../src/services/backups/base-backups.ts';
import { list } from '../src/services/backups/s3-list.ts';

const BUCKET = 'zpg-bench';
/** BENCH_BACKUPS_CLUSTERS shrinks part 1 (at least 1: part 2 reads the first cluster). */
const CLUSTERS = Math.max(1, Number(process.env.BENCH_BACKUPS_CLUSTERS ?? 500));

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
/** Every seeded cluster's WAL starts this far in, so a million older segments fit below it on the same timeline. */
const OFF = 1_100_000;
const seg = (tl: number, n: number) => `${hex8(tl)}${hex8(Math.floor(n / 256))}${hex8(n % 256)}`;

/** One key as s3rver's filesystem store keeps it: <bucket>/<dirs>/<name>._S3rver_object, mtime = LastModified. */
function put(root: string, key: string, body: string, at: Date): void {
  const parts = key.split('/');
  const file = join(root, BUCKET, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
  utimesSync(file, at, at);
}

function sentinel(lsnSegment: number, at: Date): string {
  const lsn = lsnSegment * 16 * 1024 * 1024 + 40;
  return JSON.stringify({ LSN: lsn, FinishLSN: lsn + 4096, PgVersion: 150018, SystemIdentifier: 7715000000001, UncompressedSize: 1, CompressedSize: 1, Version: 2, StartTime: at.toISOString(), FinishTime: at.toISOString(), Hostname: 'x-0', IsPermanent: false });
}

/** A cluster with backups at segments OFF+10 and OFF+20 and WAL OFF+10..OFF+30 on timeline 1. */
function seedCluster(root: string, name: string, uid: string, t0: number): void {
  const prefix = `spilo/${name}/${uid}/wal/15/`;
  for (const [i, s] of [OFF + 10, OFF + 20].entries()) put(root, `${prefix}basebackups_005/base_${seg(1, s)}_backup_stop_sentinel.json`, sentinel(s, new Date(t0 + i * 60_000)), new Date(t0 + i * 60_000 + 1000));
  for (let s = OFF + 10; s <= OFF + 30; s++) put(root, `${prefix}wal_005/${seg(1, s)}.br`, '', new Date(t0 + (s - OFF - 10) * 6_000));
  put(root, `spilo/${name}/${uid}/logical_backups/${Math.floor(t0 / 1000)}.sql.gz`, 'x', new Date(t0));
}

/**
 * bench/catalog-reader.ts bundled as the product is (packages external, loaded from node_modules): under tsx
 * every module the SDK loads on its first request would go through tsx's loader, a cost zpg never pays.
 */
async function bundleReader(): Promise<string> {
  const out = join(import.meta.dirname, '..', 'node_modules', '.cache', 'zpg-bench', 'catalog-reader.mjs');
  await build({ entryPoints: [join(import.meta.dirname, 'catalog-reader.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'warning' });
  return out;
}

/** A new reader process (bench/catalog-reader.ts) and its first catalog. */
function readerProcess(reader: string, endpoint: string, cacheFile?: string): Promise<{ first: number; requests: number }> {
  // BENCH_BACKUPS_PROF=DIR: a CPU profile of each reader process (node --cpu-prof)
  const prof = process.env.BENCH_BACKUPS_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_BACKUPS_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, reader, endpoint, BUCKET, ...(cacheFile ? [cacheFile] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { first: number; requests: number }) : reject(new Error(`catalog reader exited with ${code}`)))));
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

export async function benchBackups(): Promise<Record<string, unknown>[]> {
  const root = mkdtempSync(join(tmpdir(), 'zpg-bench-backups-'));
  const rows: Record<string, unknown>[] = [];
  const server = await startS3Server({ directory: root, buckets: [BUCKET] });
  try {
    const s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs: 600_000 });
    const settings: CatalogSettings = { s3, walBucket: BUCKET };
    // The console's feed and the metrics keep the sentinels they read: their second catalog GETs none.
    const returning: CatalogSettings = { ...settings, sentinels: new SentinelCache() };
    const t0 = Date.now() - 3_600_000;
    for (let i = 0; i < CLUSTERS; i++) seedCluster(root, `c${String(i).padStart(3, '0')}`, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, t0);
    const reader = await bundleReader();
    const coldServer = await readerProcess(reader, server.endpoint);
    // Three readers in turn, the median's: one cold process's time swings with what else the machine does.
    const readers = [];
    for (let i = 0; i < 3; i++) readers.push(await readerProcess(reader, server.endpoint));
    const warmServer = readers.sort((a, b) => a.first - b.first)[1]!;
    console.error(`readers' first reads: ${readers.map((r) => r.first).join(', ')} ms`);
    // zpg keeps the sentinels it read on disk (sentinel-cache-file.ts): a reader that read the bucket before
    const cacheFile = join(root, 'cache', 'zpg', 'sentinels.json');
    await readerProcess(reader, server.endpoint, cacheFile);
    const returningReaders = [];
    for (let i = 0; i < 3; i++) returningReaders.push(await readerProcess(reader, server.endpoint, cacheFile));
    const returningProcess = returningReaders.sort((a, b) => a.first - b.first)[1]!;
    console.error(`returning readers' first reads: ${returningReaders.map((r) => r.first).join(', ')} ms`);

    // through the same requests as the catalog's (lean once the SDK has listed the bucket: s3/lean-reads.ts)
    const flat = await timed(async () => (await list({ s3, bucket: BUCKET, requests: 0 }, '')).objects.length);
    const catalogOf = (st: CatalogSettings) =>
      timed(async () => {
        const { clusters, requests } = await readBucketCatalog(st);
        return { clusters: clusters.length, windows: clusters.filter((c) => c.window.to).length, requests };
      });
    const catalog = await catalogOf(returning);
    const again = await catalogOf(returning);
    // A new reader (no sentinels kept) once both processes are warm: the first catalog above also pays for V8
    // compiling s3rver's and the SDK's paths, 2-3x its own cost on this machine.
    const fresh = await catalogOf({ ...settings, sentinels: new SentinelCache() });
    const say = (row: Record<string, unknown>) => {
      // Printed as it comes too: the whole run takes minutes on a busy machine.
      console.log(JSON.stringify(row));
      rows.push(row);
    };
    say({
      bench: `catalog of ${catalog.value.clusters} clusters (${catalog.value.windows} windows, ${warmServer.requests} requests): a new reader process, S3 warm, no sentinels on disk`,
      ms: warmServer.first,
      baseline: `flat listing of all ${flat.value} keys: ${Math.round(flat.ms)} ms`,
      ratio: (warmServer.first / flat.ms).toFixed(2),
      goal: '< 2000 ms',
    });
    say({
      bench: '  the same when the S3 server is as new as the reader (its first requests compile its code)',
      ms: coldServer.first,
      baseline: `flat listing: ${Math.round(flat.ms)} ms`,
      ratio: (coldServer.first / flat.ms).toFixed(2),
      goal: '',
    });
    say({
      bench: `  a new reader process that read the bucket before (${returningProcess.requests} requests: its sentinels on disk)`,
      ms: returningProcess.first,
      baseline: `flat listing: ${Math.round(flat.ms)} ms`,
      ratio: (returningProcess.first / flat.ms).toFixed(2),
      goal: '< 2000 ms',
    });
    say({
      bench: `  this process's first catalog (${catalog.value.requests} requests), S3 warm`,
      ms: Math.round(catalog.ms),
      baseline: `flat listing of all ${flat.value} keys: ${Math.round(flat.ms)} ms`,
      ratio: (catalog.ms / flat.ms).toFixed(2),
      goal: '',
    });
    say({
      bench: `the same again by a reader that keeps sentinels (${again.value.requests} requests)`,
      ms: Math.round(again.ms),
      baseline: `flat listing: ${Math.round(flat.ms)} ms`,
      ratio: (again.ms / flat.ms).toFixed(2),
      goal: '< 2000 ms',
    });

    say({
      bench: `a new reader once s3rver and the SDK are warm (${fresh.value.requests} requests)`,
      ms: Math.round(fresh.ms),
      baseline: `flat listing: ${Math.round(flat.ms)} ms`,
      ratio: (fresh.ms / flat.ms).toFixed(2),
      goal: '< 2000 ms',
    });

    const ref = { cluster: 'c000', uid: '00000000-0000-4000-8000-000000000000' };
    const before = await readClusterBackups(settings, ref);
    const n = Number(process.env.BENCH_WAL_KEYS ?? 200_000);
    const seeded = await timed(async () => {
      // Older WAL on timeline 1, every segment before the backups' (a cluster whose old WAL was never pruned).
      const prefix = `spilo/c000/${ref.uid}/wal/15/wal_005/`;
      const dir = join(root, BUCKET, ...prefix.split('/').filter(Boolean));
      const old = new Date(t0 - 86_400_000);
      for (let i = 0; i < n; i++) {
        const file = join(dir, `${seg(1, OFF - n + i)}.br._S3rver_object`);
        writeFileSync(file, '');
        if (i === 0) utimesSync(file, old, old);
      }
    });
    const after = await timed(() => readClusterBackups(settings, ref));
    const full = await timed(() => readClusterBackups(settings, ref, { full: true }));
    say({
      bench: `requests of one cluster's catalog with 0 / ${n.toLocaleString('en')} older WAL keys (written in ${Math.round(seeded.ms / 1000)} s)`,
      ms: Math.round(after.ms),
      baseline: `${before.requests} requests with 0 keys`,
      ratio: `${after.value.requests} requests (same: ${after.value.requests === before.requests})`,
      goal: 'same count',
    });
    say({ bench: `--full over the same (lists from the oldest backup on: OFF+10)`, ms: Math.round(full.ms), baseline: '', ratio: `${full.value.requests} requests`, goal: 'grows with WAL after the oldest backup only' });
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}
