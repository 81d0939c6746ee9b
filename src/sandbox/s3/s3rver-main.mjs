// s3rver's own CLI with one fix: a delimiter listing reports a common prefix
// only when an object lies directly in its first folder (it skips deeper
// folders before looking), so "spilo/" listed no clusters and "wal/" no
// "15/". Real S3 reports every prefix that has an object anywhere below.
// Here a skipped folder still yields its first object, which is enough for
// s3rver to record the prefix and skip the rest of the folder.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const load = createRequire(import.meta.url);
const utils = load('s3rver/lib/utils');

const OBJECT = '._S3rver_object';

function firstObject(dir) {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.posix.join(dir, name);
    if (!fs.statSync(p).isDirectory()) {
      if (name.endsWith(OBJECT)) return p;
    } else {
      const found = firstObject(p);
      if (found) return found;
    }
  }
  return undefined;
}

// Must be replaced before s3rver's filesystem store takes its own reference to it.
utils.walk = function* walk(dir, recurseFilter) {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.posix.join(dir, name);
    if (!fs.statSync(p).isDirectory()) yield p;
    else if (!recurseFilter || recurseFilter(p)) yield* walk(p, recurseFilter);
    else {
      const first = firstObject(p);
      if (first) yield first;
    }
  }
};

// AbortMultipartUpload and ListMultipartUploads, which s3rver lacks (it answers
// 405 and NotImplemented): an aborted upload's parts are removed, as S3 removes
// them, and the listing shows the uploads still open, so a failed logical
// backup can be seen to leave none behind.
const router = load('s3rver/lib/routes');
const uploadsDir = (ctx) => ctx.store.getResourcePath(ctx.params.bucket, undefined, 'uploads');
router.delete('/:bucket/:key+', async (ctx, next) => {
  if (!('uploadId' in ctx.query)) return next();
  fs.rmSync(path.join(uploadsDir(ctx), path.basename(String(ctx.query.uploadId))), { recursive: true, force: true });
  ctx.status = 204;
});
router.get('/:bucket', async (ctx, next) => {
  if (!('uploads' in ctx.query)) return next();
  const dir = uploadsDir(ctx);
  const prefix = String(ctx.query.prefix ?? '');
  const uploads = (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])
    .map((id) => ({ Key: fs.readFileSync(path.join(dir, id, 'key'), 'utf8'), UploadId: id }))
    .filter((u) => u.Key.startsWith(prefix));
  ctx.body = { ListMultipartUploadsResult: { Bucket: ctx.params.bucket, Prefix: prefix, MaxUploads: 1000, IsTruncated: false, ...(uploads.length ? { Upload: uploads } : {}) } };
});
// Ahead of s3rver's own routes (which would refuse these), behind its authentication.
const added = router.stack.splice(-2);
router.stack.splice(router.stack.findIndex((l) => l.path === '/'), 0, ...added);

load('s3rver/bin/s3rver.js');
