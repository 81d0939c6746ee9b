// One TCP connection to a pod's port through the API server's port-forward
// (client-node's PortForward, v4.channel.k8s.io), as a socket-like Duplex.
// Node's HTTP client (Patroni's REST API) and pg (PostgreSQL) both speak over
// it: pg calls connect() and waits for 'connect', HTTP just writes.
import type * as k8s from '@kubernetes/client-node';
import { Duplex, PassThrough } from 'node:stream';

type Closable = { close(): void; on?(event: 'close', cb: () => void): void };

/** the socket error a kubelet's port-forward message tells of, in Node's words or Go's */
const SOCKET_CODES: [RegExp, string][] = [
  [/ECONNREFUSED|connection refused/i, 'ECONNREFUSED'],
  [/ECONNRESET|connection reset/i, 'ECONNRESET'],
  [/EPIPE|broken pipe/i, 'EPIPE'],
];

export class PodTunnel extends Duplex {
  private readonly fromPod = new PassThrough();
  private readonly toPod = new PassThrough();
  private readonly errors = new PassThrough();
  private ws?: Closable;
  private started = false;
  private readonly forward: k8s.PortForward;
  private readonly namespace: string;
  private readonly pod: string;
  private readonly port: number;

  constructor(forward: k8s.PortForward, namespace: string, pod: string, port: number) {
    // One side closing ends the other: pg and HTTP wait for 'close'.
    super({ allowHalfOpen: false });
    this.forward = forward;
    this.namespace = namespace;
    this.pod = pod;
    this.port = port;
    this.fromPod.on('data', (d: Buffer) => {
      if (!this.push(d)) this.fromPod.pause();
    });
    this.fromPod.on('end', () => this.push(null));
    // The kubelet reports a refused or broken connection on the error channel, not by closing; coded as a socket's
    // would be, so a caller tells a server going away or not yet back (a restart, a switchover) from other failures.
    this.errors.setEncoding('utf8').on('data', (text: string) => {
      const e = new Error(text.replace(/^error forwarding port \d+ to pod \S+, uid \S+: /, '').trim());
      const code = SOCKET_CODES.find(([re]) => re.test(text))?.[1];
      this.destroy(code ? Object.assign(e, { code }) : e);
    });
  }

  /** Opens the forward; 'connect' once the API server accepted it. Arguments are ignored (pg passes port and host). */
  connect(): this {
    if (this.started) return this;
    this.started = true;
    this.forward.portForward(this.namespace, this.pod, [this.port], this.fromPod, this.errors, this.toPod).then(
      (w) => {
        this.ws = w as Closable;
        if (this.destroyed) return this.ws.close();
        this.ws.on?.('close', () => this.fromPod.end());
        this.emit('connect');
      },
      (e: unknown) => this.destroy(new Error(`port-forward to ${this.namespace}/${this.pod}:${this.port}: ${describe(e)}`)),
    );
    return this;
  }

  // Socket methods pg calls; meaningless over a tunnel.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {
    this.fromPod.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.toPod.write(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.toPod.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.ws?.close();
    this.fromPod.destroy();
    this.toPod.destroy();
    cb(err);
  }
}

/** A started tunnel (HTTP writes at once; the forward buffers until it is open). */
export function openPodTunnel(forward: k8s.PortForward, namespace: string, pod: string, port: number): PodTunnel {
  return new PodTunnel(forward, namespace, pod, port).connect();
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  // client-node rejects with the WebSocket's error event or an HTTP status.
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
