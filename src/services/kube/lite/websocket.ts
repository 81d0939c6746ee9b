// A WebSocket client (RFC 6455) just large enough for the API server's
// channel protocols: binary messages out (masked), binary and control frames
// in, the opening handshake with a subprotocol, and the closing handshake.
// Why not the ws package: on a busy machine loading its dozen CommonJS files
// took 50-600 ms, the largest single cost of `zpg psql -c` after Node's own
// start, against ~5 ms for this. Node's built-ins come through
// process.getBuiltinModule: imported as ES modules, node:http alone pulls in
// undici for its WebSocket getters (another 100+ ms) and node:crypto's
// getters load webcrypto. Nor node:crypto at all (~9 ms): the nonce and masks come from urandom.ts, the
// handshake's digest from sha1.ts.
import { EventEmitter } from 'node:events';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Duplex } from 'node:stream';
import { sha1 } from './sha1.ts';
import { randomBytes } from './urandom.ts';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface WebSocketOptions extends Https.RequestOptions {
  /** how long the opening handshake may take */
  handshakeTimeout?: number;
}

/** The server answered the upgrade with an HTTP response instead: its status and body. */
export class UpgradeRefused extends Error {
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

/**
 * Events: 'open'; 'message' (data: Buffer, isBinary: boolean); 'error' (Error,
 * an UpgradeRefused when the server said no); 'close' (always last, once).
 */
export class LiteWebSocket extends EventEmitter {
  readyState: number = CONNECTING;
  /** the subprotocol the server chose */
  protocol = '';
  private socket?: Duplex;
  /** bytes received and not yet parsed; joined only once a whole frame is there (a large message comes in many reads) */
  private chunks: Buffer[] = [];
  private have = 0;
  private need = 2;
  private fragments: Buffer[] = [];
  private fragmentOp = 0;
  private closeSent = false;
  private readonly req: Http.ClientRequest;

  constructor(url: URL, protocols: string[], opts: WebSocketOptions = {}) {
    super();
    const key = randomBytes(16).toString('base64');
    const { handshakeTimeout, ...rest } = opts;
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    const headers = {
      ...(rest.headers as Record<string, string> | undefined),
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': key,
      ...(protocols.length ? { 'sec-websocket-protocol': protocols.join(', ') } : {}),
    };
    const target = new URL(url);
    target.protocol = secure ? 'https:' : 'http:';
    // no agent: an upgraded socket is never returned to a pool
    // https (TLS) loads only for an https server
    const request = secure ? (process.getBuiltinModule('node:https') as typeof Https).request : (process.getBuiltinModule('node:http') as typeof Http).request;
    this.req = request(target, { ...rest, headers, agent: false });
    if (handshakeTimeout) {
      this.req.setTimeout(handshakeTimeout, () => this.req.destroy(new Error(`no WebSocket handshake within ${handshakeTimeout} ms`)));
    }
    this.req.on('error', (e) => this.fail(e));
    this.req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => this.fail(new UpgradeRefused(res.statusCode ?? 0, body)));
      res.on('error', (e) => this.fail(e));
    });
    this.req.on('upgrade', (res, socket, head) => {
      this.req.setTimeout(0);
      const accept = sha1(Buffer.from(key + GUID)).toString('base64');
      const chosen = String(res.headers['sec-websocket-protocol'] ?? '');
      if (res.headers['sec-websocket-accept'] !== accept) return this.fail(new Error('the server answered the WebSocket handshake with a wrong Sec-WebSocket-Accept'), socket);
      if (chosen && !protocols.includes(chosen)) return this.fail(new Error(`the server chose a subprotocol not offered: ${chosen}`), socket);
      this.protocol = chosen;
      this.socket = socket;
      this.readyState = OPEN;
      socket.on('data', (d: Buffer) => this.receive(d));
      socket.on('error', (e) => this.emit('error', e));
      socket.on('close', () => this.closed());
      this.emit('open');
      if (head.length) this.receive(head);
    });
    this.req.end();
  }

  /** Sends one binary message; false when the socket is not open. */
  send(data: Buffer): boolean {
    if (this.readyState !== OPEN || !this.socket) return false;
    this.socket.write(frame(OP.binary, data));
    return true;
  }

  /** Starts the closing handshake; the server's close frame (or the socket's end) finishes it. */
  close(code = 1000): void {
    if (this.readyState === CONNECTING) return this.terminate();
    if (this.readyState !== OPEN || !this.socket) return;
    this.readyState = CLOSING;
    this.sendClose(code);
  }

  /** Lets the process exit before the connection ends (a one-shot command that has its answer). */
  unref(): void {
    (this.socket as { unref?: () => void } | undefined)?.unref?.();
  }

  /** Ends the connection now, without a closing handshake. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    if (this.socket) this.socket.destroy();
    else {
      this.req.destroy();
      this.closed();
    }
  }

  private sendClose(code: number): void {
    if (this.closeSent || !this.socket) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.socket.write(frame(OP.close, payload));
  }

  private fail(e: Error, socket?: Duplex): void {
    if (this.readyState === CLOSED) return;
    socket?.destroy();
    this.emit('error', e);
    this.req.destroy();
    this.closed();
  }

  private closed(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.emit('close');
  }

  private receive(d: Buffer): void {
    this.chunks.push(d);
    this.have += d.length;
    if (this.have < this.need) return;
    let buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    for (;;) {
      const f = parseFrame(buf);
      if ('need' in f) {
        this.chunks = buf.length ? [buf] : [];
        this.have = buf.length;
        this.need = f.need;
        return;
      }
      buf = buf.subarray(f.size);
      if (f.op === OP.ping) {
        if (this.readyState === OPEN) this.socket?.write(frame(OP.pong, f.payload));
      } else if (f.op === OP.close) {
        // answer with the same code, then the server ends the TCP connection
        this.sendClose(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1000);
        this.readyState = CLOSING;
        this.socket?.end();
      } else if (f.op === OP.pong) {
        // nothing asked for one
      } else {
        if (f.op !== OP.continuation) this.fragmentOp = f.op;
        this.fragments.push(f.payload);
        if (!f.fin) continue;
        const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
        this.fragments = [];
        this.emit('message', message, this.fragmentOp === OP.binary);
      }
    }
  }
}

interface Frame {
  fin: boolean;
  op: number;
  payload: Buffer;
  /** bytes the frame took in the buffer */
  size: number;
}

/** One whole frame from the start of `b`, or how many bytes it takes to know more. */
export function parseFrame(b: Buffer): Frame | { need: number } {
  if (b.length < 2) return { need: 2 };
  const fin = (b[0]! & 0x80) !== 0;
  const op = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  let len = b[1]! & 0x7f;
  let at = 2;
  if (len === 126) {
    if (b.length < 4) return { need: 4 };
    len = b.readUInt16BE(2);
    at = 4;
  } else if (len === 127) {
    if (b.length < 10) return { need: 10 };
    len = Number(b.readBigUInt64BE(2));
    at = 10;
  }
  const mask = masked ? b.subarray(at, at + 4) : undefined;
  if (masked) at += 4;
  if (b.length < at + len) return { need: at + len };
  let payload = b.subarray(at, at + len);
  if (mask) payload = Buffer.from(payload.map((x, i) => x ^ mask[i % 4]!));
  return { fin, op, payload, size: at + len };
}

/** A client frame: FIN set, masked as RFC 6455 requires of clients. */
export function frame(op: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + len);
  out[0] = 0x80 | op;
  if (len < 126) out[1] = 0x80 | len;
  else if (len < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(len), 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < len; i++) out[head + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}
