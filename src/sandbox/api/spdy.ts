// The server side of a SPDY/3.1 session, as much as Kubernetes' streaming
// clients use (moby/spdystream under client-go): the client opens streams
// (SYN_STREAM, odd ids) and gets an empty SYN_REPLY, data flows both ways in
// DATA frames with FIN half-closes, RST_STREAM aborts, PINGs are echoed. No
// server-initiated streams, no flow control (spdystream keeps no windows).
// Runs over any byte transport: an upgraded socket, or a WebSocket tunnel.
import { EventEmitter } from 'node:events';
import { constants, createInflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.ts';

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const HEADERS = 8;
const FLAG_FIN = 0x01;
const RST_CANCEL = 5;
/** a DATA frame's length field has 24 bits */
const MAX_DATA = 0xffffff;

export interface SpdyTransport {
  write(frame: Buffer): void;
  close(): void;
}

/**
 * One client-opened stream. Events: 'data' (Buffer), 'end' (the client
 * half-closed), 'close' (reset by the client, or the session went away).
 */
export class SpdyStream extends EventEmitter {
  readonly id: number;
  readonly headers: Record<string, string>;
  private readonly session: SpdySession;
  private ended = false;
  remoteEnded = false;

  constructor(session: SpdySession, id: number, headers: Record<string, string>) {
    super();
    this.session = session;
    this.id = id;
    this.headers = headers;
  }

  write(data: Buffer): void {
    if (this.ended) return;
    for (let at = 0; at < data.length; at += MAX_DATA) this.session.send(dataFrame(this.id, 0, data.subarray(at, at + MAX_DATA)));
  }

  /** Half-closes our side: an empty DATA frame with FIN. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }

  reset(): void {
    if (!this.ended) this.session.send(control(RST_STREAM, 0, u32(this.id), u32(RST_CANCEL)));
    this.ended = true;
    this.session.forget(this, true);
  }
}

export class SpdySession {
  private readonly transport: SpdyTransport;
  private readonly onStream: (s: SpdyStream) => void;
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater: HeaderInflater;
  private pending: Buffer = Buffer.alloc(0);
  /** frames are handled one at a time, in order: header blocks inflate asynchronously */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private wroteHeaderBlock = false;

  constructor(transport: SpdyTransport, onStream: (s: SpdyStream) => void) {
    this.transport = transport;
    this.onStream = onStream;
    this.inflater = new HeaderInflater();
  }

  /** Bytes from the client, in any chunking. */
  feed(chunk: Buffer): void {
    if (this.closed) return;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + length) break;
      const frame = this.pending.subarray(0, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      this.queue = this.queue.then(() => this.handle(frame)).catch((e: unknown) => this.fail(e));
    }
  }

  /** The transport is gone: every stream closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inflater.close();
    for (const s of [...this.streams.values()]) this.forget(s, true);
  }

  send(frame: Buffer): void {
    if (!this.closed) this.transport.write(frame);
  }

  forget(s: SpdyStream, closing: boolean): void {
    if (this.streams.get(s.id) !== s) return;
    this.streams.delete(s.id);
    if (closing) s.emit('close');
  }

  private fail(e: unknown): void {
    if (this.closed) return;
    process.stderr.write(`sandbox api: SPDY session ended: ${e instanceof Error ? e.message : String(e)}\n`);
    this.close();
    this.transport.close();
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const first = frame.readUInt32BE(0);
    const flags = frame[4];
    if (!(first & 0x80000000)) {
      const s = this.streams.get(first & 0x7fffffff);
      const data = frame.subarray(8);
      if (s && data.length) s.emit('data', data);
      if (s && flags & FLAG_FIN) {
        s.remoteEnded = true;
        s.emit('end');
      }
      return;
    }
    const type = first & 0xffff;
    if (type === SYN_STREAM) {
      const id = frame.readUInt32BE(8) & 0x7fffffff;
      const headers = parseHeaderBlock(await this.inflater.inflate(frame.subarray(18)));
      if (this.closed) return;
      const s = new SpdyStream(this, id, headers);
      this.streams.set(id, s);
      // spdystream drops data for a stream it has no reply for: the reply goes out before any handler writes.
      this.send(control(SYN_REPLY, 0, u32(id), this.headerBlock()));
      if (flags & FLAG_FIN) s.remoteEnded = true;
      this.onStream(s);
      if (flags & FLAG_FIN) s.emit('end');
    } else if (type === RST_STREAM) {
      const s = this.streams.get(frame.readUInt32BE(8) & 0x7fffffff);
      if (s) this.forget(s, true);
    } else if (type === PING) {
      this.send(frame); // echo: the client's ids are odd, ours would be even
    } else if (type === HEADERS || type === SYN_REPLY) {
      // Nothing to do with them, but the shared zlib stream must see every header block.
      await this.inflater.inflate(frame.subarray(12));
    }
    // SETTINGS, WINDOW_UPDATE, GOAWAY (the client closes the transport itself next): nothing to do.
  }

  /**
   * An empty header block (zero headers), zlib-framed without compression: a
   * stored block per frame, the zlib header on the first. Every inflater reads
   * that (the dictionary is only needed for blocks that reference it), and no
   * compressor state has to be kept in step with the frames. Each ends with an
   * empty stored block, the sync-flush marker a compressor would write: Go's
   * inflater stops there, and without it reads on into the next frame and fails.
   */
  private headerBlock(): Buffer {
    const raw = u32(0);
    const stored = Buffer.from([0x00, raw.length, 0x00, ~raw.length & 0xff, 0xff]);
    const syncFlush = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
    const block = Buffer.concat([this.wroteHeaderBlock ? Buffer.alloc(0) : Buffer.from([0x78, 0x01]), stored, raw, syncFlush]);
    this.wroteHeaderBlock = true;
    return block;
  }
}

/** The session's header decompressor: one zlib stream across all frames, with SPDY's dictionary. */
class HeaderInflater {
  private readonly z: Inflate;
  private out: Buffer[] = [];
  private error?: Error;

  constructor() {
    this.z = createInflate({ dictionary: SPDY3_DICTIONARY });
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.z.on('error', (e: Error) => (this.error = e));
  }

  inflate(block: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.error) return reject(this.error);
      this.z.write(block);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.error) return reject(this.error);
        const all = Buffer.concat(this.out);
        this.out = [];
        resolve(all);
      });
    });
  }

  close(): void {
    this.z.destroy();
  }
}

function parseHeaderBlock(b: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let at = 4;
  const count = b.readUInt32BE(0);
  for (let i = 0; i < count; i++) {
    const nameLen = b.readUInt32BE(at);
    const name = b.toString('latin1', at + 4, at + 4 + nameLen);
    at += 4 + nameLen;
    const valueLen = b.readUInt32BE(at);
    // Several values of one header are joined by NUL; the first is the one that matters here.
    headers[name.toLowerCase()] = b.toString('utf8', at + 4, at + 4 + valueLen).split('\0')[0];
    at += 4 + valueLen;
  }
  return headers;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, flags: number, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | 3, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

function dataFrame(id: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id & 0x7fffffff, 0);
  head.writeUInt32BE(((flags << 24) | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}
