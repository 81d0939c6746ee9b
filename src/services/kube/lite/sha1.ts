// SHA-1 (FIPS 180-4) for the WebSocket handshake's Sec-WebSocket-Accept check only: loading node:crypto for
// one 60-byte digest cost a one-shot `zpg psql` ~9 ms (38 of Node's internal modules). Not for secrets.

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

export function sha1(data: Uint8Array): Buffer {
  const blocks = Buffer.alloc(((data.length + 8) >> 6) * 64 + 64);
  blocks.set(data);
  blocks[data.length] = 0x80;
  const bits = data.length * 8;
  blocks.writeUInt32BE(Math.floor(bits / 2 ** 32), blocks.length - 8);
  blocks.writeUInt32BE(bits >>> 0, blocks.length - 4);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new Uint32Array(80);
  for (let off = 0; off < blocks.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = blocks.readUInt32BE(off + i * 4);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!, 1);
    let [a, b, c, d, e] = h as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1] : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
      const t = (rotl(a, 5) + f + e + k + w[i]!) >>> 0;
      e = d;
      d = c;
      c = rotl(b, 30) >>> 0;
      b = a;
      a = t;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
  }
  const out = Buffer.alloc(20);
  h.forEach((x, i) => out.writeUInt32BE(x, i * 4));
  return out;
}
