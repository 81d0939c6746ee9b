// pods/portforward: a TCP connection to the pod's address (5432 PostgreSQL,
// 8008 Patroni's REST API) per forwarded connection, over the three ways
// clients ask for one:
// - SPDY/3.1 tunnelled in a WebSocket (`SPDY/3.1+portforward.k8s.io`), what
//   kubectl 1.32 tries first; then a plain SPDY/3.1 upgrade, its fallback. Per
//   local connection kubectl opens an error stream and a data stream that
//   share a `requestid` header and name the `port`.
// - `v4.channel.k8s.io` (client-node): one connection per port named in the
//   query, channel 2n data and 2n+1 errors, each opened with the port as two
//   little-endian bytes.
import { connect, type Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { acceptWebSocket, CHANNEL_V4, isWebSocket, negotiate, onChannels, sendChannel } from '../api/channels.ts';
import { badRequest, forbidden } from '../api/errors.ts';
import type { ApiHttp } from '../api/http.ts';
import { SpdySession, type SpdyStream, type SpdyTransport } from '../api/spdy.ts';
import { headerValues, switchToSpdy } from '../api/upgrade.ts';
import type { Kubelet, PodRuntime } from './kubelet.ts';
import { portForwardTarget } from './stream-target.ts';

const PORT_FORWARD_V1 = 'portforward.k8s.io';
const SPDY_TUNNEL = `SPDY/3.1+${PORT_FORWARD_V1}`;
/** after one direction ends, how long the other gets (as containerd's port-forward waits) */
const LINGER_MS = 1000;

export function servePortForward(http: ApiHttp, kubelet: Kubelet): void {
  http.subresources.set('pods/portforward', () => {
    throw badRequest('Upgrade request required');
  });
  http.upgrades.set('pods/portforward', async (req, socket, head, target, query) => {
    const rt = portForwardTarget(http.registry, kubelet, target);
    const pod = `${target.namespace ?? 'default'}/${target.name}`;
    if (isWebSocket(req)) {
      const protocol = negotiate(req, [SPDY_TUNNEL, CHANNEL_V4]);
      if (protocol === undefined) throw badRequest(`unable to upgrade: none of the requested protocols is supported; supports [${SPDY_TUNNEL} ${CHANNEL_V4}]`);
      const ports = protocol === SPDY_TUNNEL ? [] : queryPorts(query);
      const ws = await acceptWebSocket(req, socket, head, protocol);
      if (protocol === SPDY_TUNNEL) return spdySession(wsTransport(ws), rt, pod, (feed, close) => {
        ws.on('message', (m: Buffer) => feed(m)); // binaryType 'nodebuffer': one Buffer per message
        ws.on('close', close);
      });
      return forwardChannels(ws, rt, pod, ports);
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') throw badRequest('unable to upgrade: the sandbox speaks WebSocket and SPDY/3.1');
    const protocol = spdyProtocol(req);
    switchToSpdy(socket, protocol);
    spdySession(socketTransport(socket), rt, pod, (feed, close) => {
      if (head.length) feed(head);
      socket.on('data', feed);
      socket.on('close', close);
    });
  });
}

/** Kubernetes' httpstream handshake: a client that names protocols must name ours; one that names none is a legacy client. */
function spdyProtocol(req: IncomingMessage): string | undefined {
  const offered = headerValues(req, 'x-stream-protocol-version');
  if (offered.length === 0) return undefined;
  if (!offered.includes(PORT_FORWARD_V1)) throw forbidden(`unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${PORT_FORWARD_V1}]`);
  return PORT_FORWARD_V1;
}

/** `ports` as client-node and kubectl name it (the API server passes it to the kubelet as `port`), repeated or comma-separated. */
function queryPorts(q: URLSearchParams): number[] {
  const raw = [...q.getAll('ports'), ...q.getAll('port')];
  if (raw.length === 0) throw badRequest('query parameter "port" is required');
  return raw.flatMap((v) => v.split(',')).map((p) => {
    const port = Number(p);
    if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw badRequest(`unable to parse "${p}" as a port`);
    return port;
  });
}

function wsTransport(ws: WebSocket): SpdyTransport {
  return {
    // One SPDY frame per message: the client's framer must find each frame whole.
    write: (frame) => {
      if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
    },
    close: () => {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}

function socketTransport(socket: Duplex): SpdyTransport {
  return {
    write: (frame) => {
      if (socket.writable) socket.write(frame);
    },
    close: () => socket.destroy(),
  };
}

type Wire = (feed: (b: Buffer) => void, close: () => void) => void;

/** A SPDY session whose stream pairs (error + data, by requestid) each forward one connection. */
function spdySession(transport: SpdyTransport, rt: PodRuntime, pod: string, wire: Wire): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  const session = new SpdySession(transport, (s) => {
    const type = s.headers.streamtype;
    if (type !== 'error' && type !== 'data') return s.reset();
    // Legacy clients send no requestid: the kubelet pairs by stream id then (error stream id + 2 = data).
    const id = s.headers.requestid ?? String(type === 'error' ? s.id + 2 : s.id);
    const pair = pairs.get(id) ?? {};
    pair[type] = s;
    pairs.set(id, pair);
    if (!pair.error || !pair.data) return;
    pairs.delete(id);
    const port = Number(pair.data.headers.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      pair.error.write(Buffer.from(`invalid port header: "${pair.data.headers.port ?? ''}"`));
      pair.error.end();
      return pair.data.end();
    }
    forwardStream(pair.data, pair.error, rt, pod, port);
  });
  wire((b) => session.feed(b), () => session.close());
}

function forwardStream(data: SpdyStream, error: SpdyStream, rt: PodRuntime, pod: string, port: number): void {
  const tcp = dial(rt, port);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    tcp.destroy();
    data.end();
    error.end();
  };
  data.on('data', (b: Buffer) => {
    if (tcp.writable) tcp.write(b);
  });
  data.on('end', () => {
    tcp.end();
    setTimeout(finish, LINGER_MS).unref();
  });
  data.on('close', finish);
  tcp.on('data', (b: Buffer) => data.write(b));
  tcp.on('end', () => data.end());
  tcp.on('error', (e) => error.write(Buffer.from(forwardError(pod, rt, port, e))));
  tcp.on('close', finish);
}

function forwardChannels(ws: WebSocket, rt: PodRuntime, pod: string, ports: number[]): void {
  let open = ports.length;
  const conns: Socket[] = ports.map((port, i) => {
    const tag = Buffer.alloc(2);
    tag.writeUInt16LE(port);
    sendChannel(ws, 2 * i, tag);
    sendChannel(ws, 2 * i + 1, tag);
    const tcp = dial(rt, port);
    tcp.on('data', (b: Buffer) => sendChannel(ws, 2 * i, b));
    tcp.on('error', (e) => sendChannel(ws, 2 * i + 1, forwardError(pod, rt, port, e)));
    tcp.on('close', () => {
      // The kubelet ends the WebSocket once every port's connection is done.
      if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
    });
    return tcp;
  });
  onChannels(ws, {
    data: (channel, payload) => {
      const tcp = channel % 2 === 0 ? conns[channel / 2] : undefined;
      if (tcp?.writable) tcp.write(payload);
    },
  });
  ws.on('close', () => conns.forEach((c) => c.destroy()));
}

function dial(rt: PodRuntime, port: number): Socket {
  const tcp = connect({ host: rt.ip, port });
  tcp.setNoDelay(true);
  return tcp;
}

function forwardError(pod: string, rt: PodRuntime, port: number, e: NodeJS.ErrnoException): string {
  const why = e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message;
  return `error forwarding port ${port} to pod ${pod}, uid ${rt.uid}: failed to connect to ${rt.ip}:${port}: ${why}`;
}
