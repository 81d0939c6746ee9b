// A TCP connection to a pod's port through the API server's pods/portforward
// over a WebSocket (`v4.channel.k8s.io`: channel 0 carries data, channel 1
// errors, each opened by the port as two little-endian bytes), shaped like a
// net.Socket so Node's HTTP client and pg can speak over it.
import { Duplex } from 'node:stream';
import WebSocket from 'ws';
import type { LiteKube } from './kubeconfig.ts';
import { requestOptions } from './request.ts';

const PROTOCOL = 'v4.channel.k8s.io';

export class PodSocket extends Duplex {
  private ws?: WebSocket;
  private opened = [false, false];
  private readonly k: LiteKube;
  private readonly target: { namespace: string; pod: string; port: number };
  private readonly timeoutMs: number;

  constructor(k: LiteKube, namespace: string, pod: string, port: number, timeoutMs = 5_000) {
    super();
    this.k = k;
    this.target = { namespace, pod, port };
    this.timeoutMs = timeoutMs;
  }

  /** net.Socket's: opens the tunnel and emits 'connect' once the API server has upgraded */
  connect(): this {
    const { namespace, pod, port } = this.target;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    const { url, headers, ca, cert, key, rejectUnauthorized, servername } = requestOptions(this.k, path);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url, [PROTOCOL], { headers: headers as Record<string, string>, ca, cert, key, rejectUnauthorized, ...(servername ? { servername } : {}), handshakeTimeout: this.timeoutMs });
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => this.emit('connect'));
    ws.on('message', (data: Buffer) => this.receive(data));
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => this.destroy(new Error(`port-forward to ${namespace}/${pod}: HTTP ${res.statusCode}${text ? `: ${portForwardReason(text)}` : ''}`)));
    });
    ws.on('error', (e) => this.destroy(new Error(`port-forward to ${namespace}/${pod}: ${e.message}`)));
    ws.on('close', () => this.push(null));
    return this;
  }

  private receive(data: Buffer): void {
    const channel = data[0];
    let body = data.subarray(1);
    if (channel > 1) return;
    if (!this.opened[channel]) {
      this.opened[channel] = true; // the first frame of each channel names the port
      body = body.subarray(2);
    }
    if (!body.length) return;
    if (channel === 0) this.push(body);
    // the kubelet's words repeat the pod and add its uid: keep the reason
    else this.destroy(new Error(`port-forward to ${this.target.namespace}/${this.target.pod}:${this.target.port}: ${body.toString().replace(/^error forwarding port \d+ to pod \S+, uid \S+: /, '').trim()}`));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error) => void): void {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return done(new Error('port-forward is not open'));
    this.ws.send(Buffer.concat([Buffer.from([0]), chunk]), done);
  }

  override _read(): void {}

  override _final(done: () => void): void {
    this.ws?.close();
    done();
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    this.ws?.terminate();
    done(err);
  }

  // pg and http call these on a net.Socket; a tunnel has nothing to tune.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

function portForwardReason(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    return text.trim().slice(0, 200);
  }
}

/** An open tunnel, or the reason it could not open. */
export function openPodSocket(k: LiteKube, namespace: string, pod: string, port: number, timeoutMs = 5_000): Promise<PodSocket> {
  return new Promise((resolve, reject) => {
    const s = new PodSocket(k, namespace, pod, port, timeoutMs);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
    s.connect();
  });
}
