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

load('s3rver/bin/s3rver.js');
