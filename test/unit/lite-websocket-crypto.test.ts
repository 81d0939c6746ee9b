// The lite WebSocket's own SHA-1 and random bytes, against node:crypto and RFC 6455's handshake example.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha1 } from '../../src/services/kube/lite/sha1.ts';
import { randomBytes } from '../../src/services/kube/lite/urandom.ts';

describe('lite WebSocket crypto', () => {
  it("computes RFC 6455's Sec-WebSocket-Accept example", () => {
    expect(sha1(Buffer.from('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11')).toString('base64')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('agrees with node:crypto on every length from 0 to 300 bytes, block edges included', () => {
    for (let n = 0; n <= 300; n++) {
      const data = Buffer.from(Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff));
      expect(sha1(data).toString('hex'), `length ${n}`).toBe(createHash('sha1').update(data).digest('hex'));
    }
  });

  it('gives fresh bytes each call, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(randomBytes(16).toString('hex'));
    expect(seen.size).toBe(2000);
    expect(randomBytes(5000)).toHaveLength(5000);
    // not all zero: a pool handed out twice would be zeroed the second time
    const counts = new Array<number>(256).fill(0);
    for (const b of randomBytes(65536)) counts[b]!++;
    expect(Math.min(...counts)).toBeGreaterThan(128);
  });
});
