// s3rver's own CLI with its bucket listing replaced. s3rver walks the
// bucket from its root for every ListObjects: it stats every entry on the
// way down to the prefix and (with zpg's earlier fix for common prefixes)
// opened every folder it skipped, so one listing of a cluster cost as much
// as the whole bucket and a catalog of 500 clusters took minutes. Real S3
// answers a prefix listing in time that follows the keys it returns.
// Here a listing starts at the prefix's own folder, visits entries in key
// order (a folder sorts as "<name>/"), skips folders that hold only keys at
// or before start-after, and reports a folder below a common prefix as that
// prefix as soon as it holds one key, without walking the rest of it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Readable } from 'node:stream';

const load = createRequire(import.meta.url);
const FilesystemStore = load('s3rver/lib/stores/filesystem');
const S3Object = load('s3rver/lib/models/object');
const S3Bucket = load('s3rver/lib/models/bucket');

const OBJECT = '._S3rver_object';
/** s3rver's own folders (multipart uploads) live in the bucket's directory too */
const INTERNAL = '._S3rver_';

/** The objects and folders directly in one folder, as keys (a folder's ends in "/"), in key order. */
function entries(bucketPath, dirKey) {
  let dirents;
  try {
    dirents = fs.readdirSync(path.join(bucketPath, dirKey), { withFileTypes: true });
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  }
  const out = [];
  for (const d of dirents) {
    if (d.isDirectory()) {
      if (!d.name.startsWith(INTERNAL)) out.push({ key: `${dirKey}${d.name}/`, dir: true });
    } else if (d.name.endsWith(OBJECT)) out.push({ key: dirKey + d.name.slice(0, -OBJECT.length), dir: false });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Keys after `after` that start with `prefix` (and, with a delimiter, common prefixes as { prefix }), in key order. */
function* listFrom(bucketPath, dirKey, prefix, after, delimiter) {
  for (const e of entries(bucketPath, dirKey)) {
    if (!e.dir) {
      if (e.key <= after || !e.key.startsWith(prefix)) continue;
      const idx = delimiter ? e.key.indexOf(delimiter, prefix.length) : -1;
      yield idx === -1 ? { key: e.key } : { prefix: e.key.slice(0, idx + delimiter.length) };
      continue;
    }
    // Every key in the folder starts with e.key: skip it when none can match the prefix or follow `after`.
    if (!e.key.startsWith(prefix) && !prefix.startsWith(e.key)) continue;
    if (after >= e.key && !after.startsWith(e.key)) continue;
    const idx = delimiter && e.key.startsWith(prefix) ? e.key.indexOf(delimiter, prefix.length) : -1;
    if (idx === -1) yield* listFrom(bucketPath, e.key, prefix, after, delimiter);
    // The whole folder rolls up into one common prefix: one key in it is enough to report it.
    else if (hasKey(bucketPath, e.key, prefix, after)) yield { prefix: e.key.slice(0, idx + delimiter.length) };
  }
}

/** Whether a folder holds a key after `after` under `prefix`; when all of its keys qualify, the first object found, unsorted, answers. */
function hasKey(bucketPath, dirKey, prefix, after) {
  if (after >= dirKey || !dirKey.startsWith(prefix)) return !listFrom(bucketPath, dirKey, prefix, after, '').next().done;
  return anyObject(path.join(bucketPath, dirKey));
}

function anyObject(dir) {
  let d;
  try {
    d = fs.opendirSync(dir);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return false;
    throw err;
  }
  try {
    for (let e = d.readSync(); e !== null; e = d.readSync()) {
      if (e.isDirectory() ? !e.name.startsWith(INTERNAL) && anyObject(path.join(dir, e.name)) : e.name.endsWith(OBJECT)) return true;
    }
    return false;
  } finally {
    d.closeSync();
  }
}

FilesystemStore.prototype.listObjects = async function listObjects(bucket, options) {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
  const bucketPath = this.getBucketPath(bucket);
  const keys = [];
  const commonPrefixes = new Set();
  let isTruncated = false;
  // A key that starts with the prefix lies in the prefix's folder or below it.
  for (const item of listFrom(bucketPath, prefix.slice(0, prefix.lastIndexOf('/') + 1), prefix, startAfter || '', delimiter)) {
    if (item.prefix !== undefined) commonPrefixes.add(item.prefix);
    else if (keys.length < maxKeys) keys.push(item.key);
    else {
      isTruncated = true;
      break;
    }
  }
  // s3rver's next page starts after the last key: prefixes past it come again there, so not here.
  const last = keys.at(-1);
  const prefixes = [...commonPrefixes].filter((p) => !isTruncated || p < last).sort();
  const metadata = await Promise.all(keys.map((key) => listedMetadata(this, bucket, key)));
  return {
    objects: keys.flatMap((key, i) => (metadata[i] === undefined ? [] : [new S3Object(bucket, key, null, metadata[i])])),
    commonPrefixes: prefixes,
    isTruncated,
  };
};

const readIfThere = (file) => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  }
};

// What s3rver keeps beside each object (its .md5 and metadata.json), read once
// per version of the object: a catalog lists and GETs thousands of tiny
// objects, where those reads (an open, a read and a close each, and a failed
// open for every object stored without metadata.json) cost more than the
// object's own stat. A version is the file's inode, mtime and size; s3rver
// writes both files after the object, so its putMetadata and copyObject
// forget the entry when they are done.
const beside = new Map();
const versionOf = (stat) => `${stat.ino}:${stat.mtimeMs}:${stat.size}`;

function besideOf(objectPath, stat, metadataPath) {
  const version = versionOf(stat);
  let entry = beside.get(objectPath);
  if (entry?.version !== version) {
    entry = { version, md5: readIfThere(`${objectPath}.md5`) };
    if (entry.md5 === undefined) return entry; // s3rver computes it (and writes the file) on its own path
    if (beside.size >= 100_000) beside.clear();
    beside.set(objectPath, entry);
  }
  if (metadataPath && !('stored' in entry)) entry.stored = readIfThere(metadataPath);
  return entry;
}

const originalPutMetadata = FilesystemStore.prototype.putMetadata;
FilesystemStore.prototype.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
  try {
    return await originalPutMetadata.call(this, bucket, key, metadata, md5);
  } finally {
    beside.delete(this.getResourcePath(bucket, key, 'object'));
  }
};
// CompleteMultipartUpload as S3 does it: the parts named, each checked against
// the MD5 stored with it (InvalidPart otherwise), laid end to end into a new
// file that replaces the key at once; the ETag is the MD5 of the parts' MD5s
// and "-<parts>". s3rver streamed the whole object through MD5 again (a second
// read and hash of every byte, on the cores a dump shares), wrote in place
// and gave a plain MD5 as the ETag.
const S3Error = load('s3rver/lib/models/error');
FilesystemStore.prototype.putObjectMultipart = async function putObjectMultipart(bucket, uploadId, parts) {
  const uploadDir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), path.basename(String(uploadId)));
  const [key, metadata] = await Promise.all([
    fs.promises.readFile(path.join(uploadDir, 'key'), 'utf8'),
    fs.promises.readFile(path.join(uploadDir, 'metadata'), 'utf8').then(JSON.parse),
  ]);
  const sorted = [...parts].sort((a, b) => a.number - b.number);
  const md5s = [];
  for (const part of sorted) {
    const stored = readIfThere(path.join(uploadDir, `${part.number}.md5`));
    if (stored === undefined || stored !== part.etag) {
      throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part\'s entity tag.', { UploadId: uploadId, PartNumber: part.number });
    }
    md5s.push(Buffer.from(stored, 'hex'));
  }
  const objectPath = this.getResourcePath(bucket, key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const staging = path.join(path.dirname(objectPath), `${INTERNAL}upload-${path.basename(uploadDir)}`);
  const out = await fs.promises.open(staging, 'w');
  let size = 0;
  try {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (const part of sorted) {
      const from = await fs.promises.open(path.join(uploadDir, String(part.number)), 'r');
      try {
        for (let n; (n = (await from.read(buffer, 0, buffer.length, null)).bytesRead) > 0; size += n) await out.write(buffer, 0, n);
      } finally {
        await from.close();
      }
    }
  } catch (err) {
    await out.close();
    await fs.promises.rm(staging, { force: true });
    throw err;
  }
  await out.close();
  await fs.promises.rename(staging, objectPath);
  const md5 = `${createHash('md5').update(Buffer.concat(md5s)).digest('hex')}-${sorted.length}`;
  await this.putMetadata(bucket, key, metadata, md5);
  await fs.promises.rm(uploadDir, { recursive: true, force: true });
  return { md5, size };
};

const originalCopyObject = FilesystemStore.prototype.copyObject;
FilesystemStore.prototype.copyObject = async function copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
  try {
    return await originalCopyObject.call(this, srcBucket, srcKey, destBucket, destKey, replacementMetadata);
  } finally {
    beside.delete(this.getResourcePath(destBucket, destKey, 'object'));
  }
};

// What a listing shows of a key (size, time, ETag), read synchronously: s3rver's
// promise-wrapped reads (and its metadata.json, which a listing never shows)
// cost more than the reads themselves. A missing .md5 is computed by
// s3rver's own code, which streams the object.
async function listedMetadata(store, bucket, key) {
  const objectPath = store.getResourcePath(bucket, key, 'object');
  const stat = fs.statSync(objectPath, { throwIfNoEntry: false });
  if (!stat) return undefined;
  const { md5 } = besideOf(objectPath, stat);
  if (md5 === undefined) return originalGetMetadata.call(store, bucket, key).catch((err) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
  return { etag: JSON.stringify(md5), 'last-modified': stat.mtime.toUTCString(), 'content-length': stat.size };
}

// The same for GET and HEAD, with the stored metadata; it throws ENOENT for a missing object, as s3rver's does.
const originalGetMetadata = FilesystemStore.prototype.getMetadata;
FilesystemStore.prototype.getMetadata = async function getMetadata(bucket, key) {
  const objectPath = this.getResourcePath(bucket, key, 'object');
  const stat = fs.statSync(objectPath);
  const { md5, stored } = besideOf(objectPath, stat, this.getResourcePath(bucket, key, 'metadata.json'));
  if (md5 === undefined) return originalGetMetadata.call(this, bucket, key);
  return { ...(stored ? JSON.parse(stored) : undefined), etag: JSON.stringify(md5), 'last-modified': stat.mtime.toUTCString(), 'content-length': stat.size };
};

// Whether the bucket exists, asked by every request, and small objects read
// whole: s3rver asks through fs-extra's promises and streams every object
// through an fs.ReadStream, where one synchronous call each costs a fraction
// (on this VM an async stat cost ~5x a sync one). Ranges and large objects
// stream as before.
FilesystemStore.prototype.getBucket = async function getBucket(bucket) {
  const stat = fs.statSync(this.getBucketPath(bucket), { throwIfNoEntry: false });
  return stat?.isDirectory() ? new S3Bucket(bucket, stat.birthtime) : null;
};

const WHOLE = 256 * 1024;
const originalGetObject = FilesystemStore.prototype.getObject;
FilesystemStore.prototype.getObject = async function getObject(bucket, key, options) {
  if (options?.start !== undefined || options?.end !== undefined) return originalGetObject.call(this, bucket, key, options);
  let metadata;
  let bytes;
  try {
    metadata = await this.getMetadata(bucket, key);
    if (Number(metadata['content-length']) > WHOLE) return originalGetObject.call(this, bucket, key, options);
    bytes = fs.readFileSync(this.getResourcePath(bucket, key, 'object'));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  // the length of what is sent, should the object have been rewritten since its metadata was read
  return new S3Object(bucket, key, Readable.from(bytes.length ? [bytes] : []), { ...metadata, 'content-length': bytes.length });
};

// A bucket's CORS and website configuration, kept in memory. s3rver's cors
// and website middlewares read both files for every request (two failed
// opens each when, as here, a bucket has neither): a quarter of the server's
// time in a 2,000-request catalog. Only s3rver writes them, through the calls
// below, which drop the copy; a read that overlapped a write keeps nothing.
const bucketConfigs = new Map();
let configWrites = 0;
const originalGetSubresource = FilesystemStore.prototype.getSubresource;
FilesystemStore.prototype.getSubresource = async function getSubresource(bucket, key, type) {
  if (key !== undefined) return originalGetSubresource.call(this, bucket, key, type);
  const id = `${this.getBucketPath(bucket)}\0${type}`;
  if (bucketConfigs.has(id)) return bucketConfigs.get(id);
  const before = configWrites;
  const config = await originalGetSubresource.call(this, bucket, key, type);
  if (before === configWrites) bucketConfigs.set(id, config);
  return config;
};
for (const name of ['putSubresource', 'deleteSubresource', 'putBucket', 'deleteBucket']) {
  const original = FilesystemStore.prototype[name];
  FilesystemStore.prototype[name] = async function (...args) {
    configWrites++;
    bucketConfigs.clear();
    try {
      return await original.apply(this, args);
    } finally {
      configWrites++;
      bucketConfigs.clear();
    }
  };
}

// s3rver logs every request through koa-logger, which formats and colours
// each line even when -s silences the output. Silent: no request logging.
const loggerPath = load.resolve('s3rver/lib/middleware/logger');
const createLogger = load(loggerPath);
load.cache[loggerPath].exports = function logger(app, silent) {
  const middleware = createLogger(app, silent);
  return silent ? (ctx, next) => next() : middleware;
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

// The parent holds our stdin open and never writes to it: its end means the parent is gone, however it went
// (a SIGKILLed `zpg demo` or test runs no exit handler), and a server nobody can stop must not outlive it.
// Only a pipe (a socket pair, as Node spawns it) is watched: a /dev/null stdin ends at once.
const stdin = fs.fstatSync(0);
if (stdin.isFIFO() || stdin.isSocket()) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

load('s3rver/bin/s3rver.js');
