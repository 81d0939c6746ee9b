// Upgraded connections (WebSocket, SPDY/3.1) for the pod subresources that
// stream: exec and portforward. Node gives a request carrying `Upgrade` to the
// server's 'upgrade' event with the raw socket, never to ApiHttp.handle, so the
// routing and the real server's refusals (a Status for a missing pod, the
// kubelet's plain text for a missing container) are written here by hand.
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, internalError, notFoundPath } from './errors.ts';
import type { ApiHttp } from './http.ts';

/** An error the kubelet answers in plain text (the API server passes it through), e.g. `container not found ("postgres")`. */
export class KubeletError extends Error {
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export function serveUpgrades(server: Server, http: ApiHttp): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A peer that resets mid-handshake must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    void route(http, req, socket, head).catch((e: unknown) => refuseUpgrade(socket, e));
  });
}

async function route(http: ApiHttp, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const target = http.resolve(url.pathname.replace(/\/+$/, ''));
  if (!target || target.name === undefined || (target.rt.namespaced && target.namespace === undefined)) throw notFoundPath();
  const handler = target.subresource ? http.upgrades.get(`${target.rt.plural}/${target.subresource}`) : undefined;
  if (!handler) {
    const what = target.subresource ? `${target.rt.plural}/${target.subresource}` : target.rt.plural;
    throw badRequest(`${what} does not stream: the sandbox upgrades only pods/exec and pods/portforward, once a kubelet serves them`);
  }
  http.registry.get(target.rt, target.namespace, target.name); // 404 for a missing pod
  await handler(req, socket, head, { ...target, name: target.name }, url.searchParams);
}

/** Answers an upgrade request with an error instead of switching protocols, and closes the connection. */
export function refuseUpgrade(socket: Duplex, e: unknown): void {
  if (e instanceof KubeletError) return writeResponse(socket, e.code, 'text/plain; charset=utf-8', e.message);
  const err = e instanceof ApiError ? e : internalError(e instanceof Error ? e.message : String(e));
  if (!(e instanceof ApiError)) process.stderr.write(`sandbox api: upgrade failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  writeResponse(socket, err.code, 'application/json', JSON.stringify(err.toStatus()));
}

function writeResponse(socket: Duplex, code: number, type: string, body: string): void {
  if (socket.destroyed || !socket.writable) return;
  const head = [`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ''}`, `Content-Type: ${type}`, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** The 101 answer to a SPDY/3.1 upgrade (plain, not WebSocket), as Kubernetes' httpstream writes it. */
export function switchToSpdy(socket: Duplex, protocol: string | undefined): void {
  const lines = ['HTTP/1.1 101 Switching Protocols', 'Connection: Upgrade', 'Upgrade: SPDY/3.1'];
  if (protocol) lines.push(`X-Stream-Protocol-Version: ${protocol}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** The values of a header that may repeat and may list several comma-separated values. */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const raw = req.headers[name.toLowerCase()];
  const all = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
