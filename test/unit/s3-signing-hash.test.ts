// The S3 client's own SHA-256 (KeyObject-held HMAC keys) must sign exactly as
// the SDK's default: s3rver does not check signatures, AWS does.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../src/services/s3/client.ts';
import { Sha256 } from '../../src/services/s3/signing-hash.ts';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** the Authorization header a client would send for one listing, caught after signing */
async function authorization(client: S3Client): Promise<string> {
  let header = '';
  // the headers that differ per request or per client configuration are fixed before the signature
  client.middlewareStack.addRelativeTo(
    ((next: (a: unknown) => Promise<unknown>) => async (args: { request: { headers: Record<string, string> } }) => {
      Object.assign(args.request.headers, { 'amz-sdk-invocation-id': '00000000-0000-4000-8000-000000000000', 'x-amz-user-agent': 'zpg-test' });
      return next(args);
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'fixHeaders' },
  );
  client.middlewareStack.addRelativeTo(
    (() => async (args: { request: { headers: Record<string, string> } }) => {
      header = args.request.headers.authorization ?? '';
      throw new Error('caught');
    }) as never,
    { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'catchSigned' },
  );
  await expect(client.send(new ListObjectsV2Command({ Bucket: 'b', Prefix: 'spilo/' }))).rejects.toThrow('caught');
  return header;
}

afterEach(() => vi.useRealTimers());

describe('the S3 signing hash', () => {
  it('gives the HMACs and hashes of node:crypto for string and byte keys and data', async () => {
    const big = randomBytes(64);
    const view = new Uint8Array(big.buffer, big.byteOffset + 8, 40); // a view that does not start at its buffer's
    for (const key of ['AWS4secret', randomBytes(32), view, new Uint8Array(0)]) {
      for (const data of ['20261206/us-east-1/s3/aws4_request', view, new Uint8Array(0)]) {
        const h = new Sha256(key);
        h.update(data);
        const k = typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
        const d = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        expect(hex(await h.digest())).toBe(createHmac('sha256', k).update(d).digest('hex'));
      }
    }
    const plain = new Sha256();
    plain.update('abc');
    const once = hex(await plain.digest());
    expect(once).toBe(createHash('sha256').update('abc').digest('hex'));
    expect(hex(await plain.digest())).toBe(once); // the SDK may digest a plain hash twice
  });

  it('refuses data after an HMAC is finished, and starts over on reset', async () => {
    const h = new Sha256('k');
    h.update('a');
    await h.digest();
    expect(() => h.update('b')).toThrow(/finished/);
    h.reset();
    h.update('b');
    expect(hex(await h.digest())).toBe(createHmac('sha256', 'k').update('b').digest('hex'));
  });

  it("signs a request exactly as the SDK's default hash does", async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T19:00:00Z'), toFake: ['Date'] });
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const ours = await authorization(createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'eu-central-1', ...creds }));
    const sdk = await authorization(new S3Client({ endpoint: 'http://127.0.0.1:9', region: 'eu-central-1', forcePathStyle: true, credentials: creds, requestChecksumCalculation: 'WHEN_REQUIRED' }));
    expect(ours).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261206\/eu-central-1\/s3\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/);
    expect(ours).toBe(sdk);
    // and a second request under the cached signing key still signs the same
    expect(await authorization(createS3Client({ endpoint: 'http://127.0.0.1:9', region: 'eu-central-1', ...creds }))).toBe(sdk);
  });
});
