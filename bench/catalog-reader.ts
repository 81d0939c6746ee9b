// A reader process of BENCH=backups: its first catalog of the bucket, its own V8 cold as in a `zpg` that just
// started. With a third argument, the sentinel cache file zpg keeps between runs (read and written as zpg does,
// inside the timed read). Prints {"first": ms, "requests": n}.
import module from 'node:module';
import { readBucketCatalog } from '../src/services/backups/catalog.ts';
import { SentinelCache } from '../src/services/backups/base-backups.ts';
import { SentinelCacheFile } from '../src/services/backups/sentinel-cache-file.ts';
import { createS3Client } from '../src/services/s3/client.ts';

// as bin/zpg.mjs starts zpg: V8's compiled code cached on disk (the first reader process fills the cache)
module.enableCompileCache?.();
const [endpoint, bucket, cacheFile] = process.argv.slice(2);
const s3 = createS3Client({ endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', timeoutMs: 600_000 });
const read = async () => {
  const start = performance.now();
  const sentinels = cacheFile ? await SentinelCacheFile.open(cacheFile) : new SentinelCache();
  const { clusters, requests } = await readBucketCatalog({ s3, walBucket: bucket, sentinels });
  if (!clusters.every((c) => c.window.to)) throw new Error('a cluster without a window');
  return { ms: Math.round(performance.now() - start), requests };
};
const first = await read();
console.log(JSON.stringify({ first: first.ms, requests: first.requests }));
