// The S3 client's SHA-256, as the SDK's own but with HMAC keys held as
// KeyObjects. SigV4 computes a few HMACs per request under keys that change
// once a day (and one under the secret itself, for the SDK's signing-key
// cache); Node 24 spends ~15 µs on an HMAC under a raw key and ~2 µs under a
// KeyObject, which a 500-cluster catalog (2,000 requests) notices.
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';

type Source = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: Source): Buffer =>
  typeof data === 'string' ? Buffer.from(data, 'utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** signing keys seen lately (a day's keys and the secret: a handful; cleared when it grows) */
const keys = new Map<string, KeyObject>();

function keyOf(secret: Source): KeyObject | Buffer {
  const bytes = bytesOf(secret);
  if (bytes.length === 0) return bytes; // a KeyObject cannot be empty
  const id = bytes.toString('base64');
  let key = keys.get(id);
  if (!key) {
    if (keys.size >= 64) keys.clear();
    key = createSecretKey(bytes);
    keys.set(id, key);
  }
  return key;
}

/** @smithy's Checksum shape: `new Sha256(secret?)`, update, digest (a plain hash digests repeatably), reset */
export class Sha256 {
  readonly digestLength = 32;
  private readonly secret?: Source;
  private hash: Hash | Hmac;
  private finished = false;

  constructor(secret?: Source) {
    this.secret = secret;
    this.hash = this.create();
  }

  update(data: Source): void {
    if (this.finished) throw new Error('Attempted to update an already finished hash.');
    this.hash.update(typeof data === 'string' ? data : bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    let out: Buffer;
    if (this.secret) {
      this.finished = true;
      out = this.hash.digest();
    } else {
      out = (this.hash as Hash).copy().digest();
    }
    return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength));
  }

  reset(): void {
    this.hash = this.create();
    this.finished = false;
  }

  private create(): Hash | Hmac {
    return this.secret ? createHmac('sha256', keyOf(this.secret)) : createHash('sha256');
  }
}
