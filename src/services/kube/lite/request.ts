// HTTP to the Kubernetes API with the kubeconfig's TLS and credentials, on
// Node's own http/https (no undici, no client-node): GET as JSON with a
// deadline, and a watch as a stream of events. Failures become KubeApiError
// with the line a user needs (which server, what it said, what to do).
import type { IncomingMessage } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import type { LiteKube } from './kubeconfig.ts';

// Not `import ... from 'node:http'`: an ES import of a built-in builds its ESM facade, which reads every
// export, and node:http's WebSocket getters then load Node's bundled undici (~60 ms of `zpg list`).
// https (TLS, crypto) is loaded only for an https server.
const transport = (url: URL) => (url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http'));

export class KubeApiError extends Error {
  readonly status?: number;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export interface LiteRequest {
  method?: 'GET' | 'POST' | 'PATCH';
  /** path and query, e.g. /api/v1/pods?labelSelector=cluster-name */
  path: string;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

export function requestOptions(k: LiteKube, path: string, method = 'GET', headers: Record<string, string> = {}): HttpsRequestOptions & { url: URL } {
  const url = new URL(k.server + path);
  const c = k.credentials();
  const auth = c.token ? `Bearer ${c.token}` : c.basic ? `Basic ${c.basic}` : undefined;
  return {
    url,
    method,
    headers: { accept: 'application/json', 'user-agent': 'zpg', ...(auth ? { authorization: auth } : {}), ...headers },
    ...(url.protocol === 'https:' ? { ca: k.ca, cert: c.cert, key: c.key, rejectUnauthorized: !k.insecure, servername: k.serverName } : {}),
  };
}

function send(k: LiteKube, req: LiteRequest): Promise<IncomingMessage> {
  const body = req.body === undefined ? undefined : JSON.stringify(req.body);
  const { url, ...opts } = requestOptions(k, req.path, req.method, body ? { 'content-type': req.contentType ?? 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {});
  return new Promise((resolve, reject) => {
    const r = transport(url).request(url, opts, resolve);
    r.on('error', (e) => reject(new KubeApiError(unreachable(k.server, e))));
    if (req.timeoutMs) {
      r.setTimeout(req.timeoutMs, () => r.destroy(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: 'timeout' })));
    }
    r.end(body);
  });
}

function unreachable(server: string, e: Error & { code?: string }): string {
  if (e.code === 'timeout') return `cannot reach ${server} (${e.message}): check --context, or start zpg demo`;
  if (e.code && /^E[A-Z_]+$/.test(e.code) && !e.code.startsWith('ERR_TLS') && !e.code.includes('CERT')) return `cannot reach ${server} (${e.code}): check --context, or start zpg demo`;
  return `cannot talk to ${server}: ${e.message}`;
}

const readAll = (res: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    res.on('end', () => resolve(text));
    res.on('error', reject);
  });

/** One line for an API server's refusal, as kubectl would explain it. */
export function describeStatus(server: string, status: number, text: string, what = 'this'): string {
  let reason: string;
  try {
    reason = String((JSON.parse(text) as { message?: unknown }).message ?? '');
  } catch {
    reason = text.trim().slice(0, 200);
  }
  if (status === 401) return `the API server at ${server} rejected the credentials (401): refresh them or pick another --context`;
  if (status === 403) return `the API server at ${server} forbids ${what} (403): ${reason || 'ask for RBAC access'}`;
  if (status === 404 && reason === 'the server could not find the requested resource') {
    return `the API server at ${server} does not serve postgresqls.acid.zalan.do (404): install the postgresql CRD, as the Zalando operator's manifests do`;
  }
  if (status === 404) return `not found (404): ${reason}`;
  return `the API server at ${server} answered ${status}${reason ? `: ${reason}` : ''}`;
}

export async function kubeJson<T = Record<string, unknown>>(k: LiteKube, req: LiteRequest): Promise<T> {
  const res = await send(k, { timeoutMs: 10_000, ...req });
  const text = await readAll(res);
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) throw new KubeApiError(describeStatus(k.server, status, text), status);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new KubeApiError(`the API server at ${k.server} answered ${req.path} with something that is not JSON`);
  }
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/** A watch from `resourceVersion`; resolves when the server ends it (the caller re-lists or re-watches), rejects on failure. */
export async function kubeWatch(k: LiteKube, path: string, onEvent: (e: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await send(k, { path });
  if ((res.statusCode ?? 0) !== 200) throw new KubeApiError(describeStatus(k.server, res.statusCode ?? 0, await readAll(res)), res.statusCode);
  return new Promise((resolve, reject) => {
    let buf = '';
    const stop = () => res.destroy();
    signal?.addEventListener('abort', stop, { once: true });
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) onEvent(JSON.parse(line) as WatchEvent);
      }
    });
    res.on('end', resolve);
    res.on('close', resolve);
    res.on('error', (e) => (signal?.aborted ? resolve() : reject(e)));
  });
}
