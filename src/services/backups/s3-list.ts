// Listing helpers over ListObjectsV2 that count their requests, so the
// catalog can prove its cost does not grow with the number of WAL files.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SentinelCache } from './base-backups.ts';

export interface Listed {
  key: string;
  size: number;
  lastModified: Date;
  /** as S3 lists it, quotes included */
  etag?: string;
}

/** A client plus a request counter shared by one catalog read. */
export interface Reader {
  s3: S3Client;
  bucket: string;
  requests: number;
  /** sentinels read before, for a reader that comes back (base-backups.ts) */
  sentinels?: SentinelCache;
}

export interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  /** stop after this many keys (the listing is ordered, so the rest is not fetched) */
  limit?: number;
}

/** Every key (and common prefix, with a delimiter) under prefix, page by page. */
export async function list(r: Reader, prefix: string, o: ListOptions = {}): Promise<{ objects: Listed[]; prefixes: string[] }> {
  const objects: Listed[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  do {
    r.requests++;
    const page = await r.s3.send(
      new ListObjectsV2Command({
        Bucket: r.bucket,
        Prefix: prefix,
        ...(o.delimiter ? { Delimiter: o.delimiter } : {}),
        ...(o.startAfter && !token ? { StartAfter: o.startAfter } : {}),
        ...(token ? { ContinuationToken: token } : {}),
        ...(o.limit ? { MaxKeys: Math.min(1000, o.limit - objects.length) } : {}),
      }),
    );
    for (const c of page.Contents ?? []) objects.push({ key: c.Key!, size: c.Size ?? 0, lastModified: c.LastModified ?? new Date(0), ...(c.ETag ? { etag: c.ETag } : {}) });
    for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix!);
    token = page.IsTruncated && (!o.limit || objects.length < o.limit) ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, prefixes };
}

export async function getText(r: Reader, key: string): Promise<string> {
  r.requests++;
  const out = await r.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
  return out.Body!.transformToString();
}

export const isMissing = (e: unknown): boolean => {
  const name = (e as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket';
};
