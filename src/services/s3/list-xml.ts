// S3's ListObjectsV2 answer (ListBucketResult) read straight from its XML, for
// the lean reads (lean-reads.ts). S3 escapes markup in keys as entities, so a
// tag name found in the text is always an element; keys are requested without
// encoding-type, as the SDK requests them.

export interface ListedPage {
  contents: { key: string; size: number; lastModified: Date; etag?: string }[];
  prefixes: string[];
  isTruncated: boolean;
  nextToken?: string;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML's five named entities and numeric references (S3 writes control characters in keys as &#13; and the like). */
export function decodeXmlText(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return NAMED[e] ?? whole;
  });
}

/** The text of the first <tag> in xml[from, to), or undefined. */
function text(xml: string, tag: string, from = 0, to = xml.length): string | undefined {
  const open = xml.indexOf(`<${tag}>`, from);
  if (open === -1 || open >= to) return undefined;
  const start = open + tag.length + 2;
  const end = xml.indexOf(`</${tag}>`, start);
  if (end === -1 || end > to) throw new Error(`ListBucketResult: <${tag}> is not closed`);
  return decodeXmlText(xml.slice(start, end));
}

/** Each <tag>…</tag> block's bounds, in order. */
function* blocks(xml: string, tag: string): Generator<[number, number]> {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  for (let i = xml.indexOf(open); i !== -1; i = xml.indexOf(open, i)) {
    const end = xml.indexOf(close, i);
    if (end === -1) throw new Error(`ListBucketResult: <${tag}> is not closed`);
    yield [i + open.length, end];
    i = end + close.length;
  }
}

export function parseListBucketResult(xml: string): ListedPage {
  if (!xml.includes('<ListBucketResult')) throw new Error('not a ListBucketResult');
  const contents: ListedPage['contents'] = [];
  for (const [from, to] of blocks(xml, 'Contents')) {
    const key = text(xml, 'Key', from, to);
    if (key === undefined) throw new Error('ListBucketResult: <Contents> without <Key>');
    const modified = text(xml, 'LastModified', from, to);
    const etag = text(xml, 'ETag', from, to);
    contents.push({ key, size: Number(text(xml, 'Size', from, to) ?? 0), lastModified: modified ? new Date(modified) : new Date(0), ...(etag ? { etag } : {}) });
  }
  const prefixes: string[] = [];
  for (const [from, to] of blocks(xml, 'CommonPrefixes')) {
    const p = text(xml, 'Prefix', from, to);
    if (p !== undefined) prefixes.push(p);
  }
  // IsTruncated and NextContinuationToken are the result's own elements; no <Contents> holds either.
  const nextToken = text(xml, 'NextContinuationToken');
  return { contents, prefixes, isTruncated: text(xml, 'IsTruncated') === 'true', ...(nextToken ? { nextToken } : {}) };
}
