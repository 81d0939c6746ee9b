// Kubernetes' WebSocket channel protocols (`v4.channel.k8s.io`,
// `v5.channel.k8s.io`): every binary message starts with one byte naming its
// channel (exec: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; port-forward:
// 2n data and 2n+1 error for the n-th port). v5 adds [255, channel], which
// half-closes one channel: how a client says its stdin reached EOF.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { headerValues } from './upgrade.ts';

export const CHANNEL_V4 = 'v4.channel.k8s.io';
export const CHANNEL_V5 = 'v5.channel.k8s.io';
const CLOSE_CHANNEL = 255;

export const isWebSocket = (req: IncomingMessage): boolean => (req.headers.upgrade ?? '').toLowerCase() === 'websocket';

/**
 * The subprotocol to speak: the client's first that the server supports, as
 * Kubernetes' wsstream negotiates. '' when the client offered none (the
 * unversioned protocol); undefined when it offered only ones we lack.
 */
export function negotiate(req: IncomingMessage, supported: readonly string[]): string | undefined {
  const offered = headerValues(req, 'sec-websocket-protocol');
  if (offered.length === 0) return '';
  return offered.find((p) => supported.includes(p));
}

/** Completes the WebSocket handshake with the negotiated subprotocol. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> {
  // ws refuses subprotocols that are not RFC 7230 tokens, and `SPDY/3.1+portforward.k8s.io` has a '/':
  // the negotiation is done already, so ws is shown none and the answer gets its header here.
  delete req.headers['sec-websocket-protocol'];
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
  if (protocol) wss.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${protocol}`));
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, resolve));
}

/** Sends data on one channel; a no-op once the socket is closing, as a late write to a gone client is. */
export function sendChannel(ws: WebSocket, channel: number, data: Buffer | string = Buffer.alloc(0)): void {
  if (ws.readyState !== ws.OPEN) return;
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  ws.send(Buffer.concat([Buffer.from([channel]), body]), { binary: true });
}

export interface ChannelHandlers {
  data(channel: number, payload: Buffer): void;
  /** v5's half-close of one channel */
  close?(channel: number): void;
}

/** Demultiplexes incoming messages by channel; empty and text messages carry nothing here. */
export function onChannels(ws: WebSocket, handlers: ChannelHandlers): void {
  ws.on('message', (raw: RawData, isBinary: boolean) => {
    if (!isBinary) return;
    const msg = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    if (msg.length === 0) return;
    if (msg[0] === CLOSE_CHANNEL) {
      if (msg.length >= 2) handlers.close?.(msg[1]);
      return;
    }
    handlers.data(msg[0], msg.subarray(1));
  });
}
