// Random bytes from the kernel's CSPRNG through fs, which every command has loaded anyway: node:crypto costs a
// one-shot `zpg psql` ~9 ms to load. Read a block at a time (a WebSocket masks every frame with 4 fresh bytes);
// where /dev/urandom cannot be read (not Linux or macOS), node:crypto it is.
import type * as Crypto from 'node:crypto';

const BLOCK = 1024;
let pool: Buffer = Buffer.alloc(0);
let used = 0;

function fill(n: number): Buffer {
  const fs = process.getBuiltinModule('node:fs');
  try {
    const fd = fs.openSync('/dev/urandom', 'r');
    try {
      const b = Buffer.alloc(n);
      for (let got = 0; got < n; ) {
        const r = fs.readSync(fd, b, got, n - got, null);
        if (r <= 0) throw new Error('short read from /dev/urandom');
        got += r;
      }
      return b;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return (process.getBuiltinModule('node:crypto') as typeof Crypto).randomBytes(n);
  }
}

/** `n` bytes no caller has seen before. */
export function randomBytes(n: number): Buffer {
  if (used + n > pool.length) {
    pool = fill(Math.max(BLOCK, n));
    used = 0;
  }
  const out = Buffer.from(pool.subarray(used, used + n));
  pool.fill(0, used, used + n);
  used += n;
  return out;
}
