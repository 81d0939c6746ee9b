// Listing helpers over ListObjectsV2 that count their requests, so the
// catalog can prove its cost does not grow with the number of WAL files.
// Each is sent lean once the SDK has listed the bucket (s3/lean-reads.ts),
// and through the SDK otherwise or when the lean request does not get a 200.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { leanGetText, leanList, type LeanListInput } from '../s3/lean-reads.ts';
import type { ListedPage } from '../s3/list-xml.ts';
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
    const input = {
      prefix,
      ...(o.delimiter ? { delimiter: o.delimiter } : {}),
      ...(o.startAfter && !token ? { startAfter: o.startAfter } : {}),
      ...(token ? { continuationToken: token } : {}),
      ...(o.limit ? { maxKeys: Math.min(1000, o.limit - objects.length) } : {}),
    };
    const page = (await leanList(r.s3, r.bucket, input)) ?? (await sdkList(r, input));
    for (const c of page.contents) objects.push(c);
    for (const p of page.prefixes) prefixes.push(p);
    token = page.isTruncated && (!o.limit || objects.length < o.limit) ? page.nextToken : undefined;
  } while (token);
  return { objects, prefixes };
}

async function sdkList(r: Reader, i: LeanListInput): Promise<ListedPage> {
  const page = await r.s3.send(
    new ListObjectsV2Command({ Bucket: r.bucket, Prefix: i.prefix, Delimiter: i.delimiter, StartAfter: i.startAfter, ContinuationToken: i.continuationToken, MaxKeys: i.maxKeys }),
  );
  return {
    contents: (page.Contents ?? []).map((c) => ({ key: c.Key!, size: c.Size ?? 0, lastModified: c.LastModified ?? new Date(0), ...(c.ETag ? { etag: c.ETag } : {}) })),
    prefixes: (page.CommonPrefixes ?? []).map((p) => p.Prefix!),
    isTruncated: page.IsTruncated === true,
    ...(page.NextContinuationToken ? { nextToken: page.NextContinuationToken } : {}),
  };
}

export async function getText(r: Reader, key: string): Promise<string> {
  r.requests++;
  const lean = await leanGetText(r.s3, r.bucket, key);
  if (lean !== undefined) return lean;
  const out = await r.s3.send(new GetObjectCommand({ Bucket: r.bucket, Key: key }));
  return out.Body!.transformToString();
}

export const isMissing = (e: unknown): boolean => {
  const name = (e as { name?: string })?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket';
};
