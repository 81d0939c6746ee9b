// ListObjectsV2 answers as S3 writes them (namespace, owner and storage class
// included), read by the lean path's parser.
import { describe, expect, it } from 'vitest';
import { decodeXmlText, parseListBucketResult } from '../../src/services/s3/list-xml.ts';

const page = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>zpg-wal</Name><Prefix>spilo/a&amp;b/</Prefix><KeyCount>3</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>spilo/a&amp;b/x &lt;1&gt; &quot;q&quot; &apos;s&apos;&#13;&#x1F600;.json</Key><LastModified>2026-12-07T06:10:00.000Z</LastModified><ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm><Size>1234</Size><Owner><ID>abc</ID><DisplayName>ops</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>spilo/a&amp;b/y</Key><LastModified>2026-12-07T06:11:00.000Z</LastModified><Size>0</Size></Contents><CommonPrefixes><Prefix>spilo/a&amp;b/u-1/</Prefix></CommonPrefixes><NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken><StartAfter>spilo/a&amp;b/</StartAfter></ListBucketResult>`;

describe('ListBucketResult', () => {
  it('reads keys, sizes, times, ETags, common prefixes and the next token, entities decoded', () => {
    expect(parseListBucketResult(page)).toEqual({
      contents: [
        { key: 'spilo/a&b/x <1> "q" \'s\'\r😀.json', size: 1234, lastModified: new Date('2026-12-07T06:10:00.000Z'), etag: '"9b2cf535f27731c974343645a3985328"' },
        { key: 'spilo/a&b/y', size: 0, lastModified: new Date('2026-12-07T06:11:00.000Z') },
      ],
      prefixes: ['spilo/a&b/u-1/'],
      isTruncated: true,
      nextToken: '1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=',
    });
  });

  it('reads an empty last page', () => {
    expect(parseListBucketResult('<ListBucketResult><Name>b</Name><Prefix>none/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>')).toEqual({
      contents: [],
      prefixes: [],
      isTruncated: false,
    });
  });

  it('refuses what is not a whole ListBucketResult (the SDK then asks again)', () => {
    expect(() => parseListBucketResult('<Error><Code>SlowDown</Code></Error>')).toThrow('not a ListBucketResult');
    expect(() => parseListBucketResult(page.slice(0, page.indexOf('</Key>')))).toThrow('<Contents> is not closed');
    expect(() => parseListBucketResult('<ListBucketResult><Contents><Key>a</Contents><Contents><Key>b</Key></Contents></ListBucketResult>')).toThrow('<Key> is not closed');
    expect(() => parseListBucketResult('<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>')).toThrow('without <Key>');
  });

  it('leaves text without entities and unknown entities alone', () => {
    expect(decodeXmlText('plain')).toBe('plain');
    expect(decodeXmlText('a&nbsp;b &amp c')).toBe('a&nbsp;b &amp c');
  });
});
