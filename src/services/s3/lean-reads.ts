// Lean reads: the catalog's ListObjectsV2 and small GETs sent straight over
// node's http, signed by the S3 client's own signer. A catalog of 500 clusters
// sends 2,000 of them; in a process that just started, its CPU through the SDK
// (middleware stack, schema serde, XML parser) was 2.5-3.9 s, lean 1.0-1.2 s,
// and the catalog took 2.4-3.7 s instead of 1.2-1.6 s (bench/backups-catalog.ts).
//
// The SDK still decides everything that needs deciding: a bucket's route (URL,
// path or virtual-hosted style, signing region) is learned from a listing the
// SDK sent and S3 answered with 200, credentials come from its chain through
// its signer, and only plain SigV4 routes qualify (no S3 Express, no SigV4a).
// Anything but a 200 (a missing key, an error, a redirect, a timeout, a
// dropped connection) returns undefined and the caller asks the SDK, so errors,
// retries and clock-skew handling are exactly the SDK's; the route is then
// learned anew (unless the key was just missing), and a client whose lean
// requests fail three times in a row reads through the SDK only.
import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { parseListBucketResult, type ListedPage } from './list-xml.ts';

/** Where a bucket's requests go, as the SDK sent a listing there. */
export interface LeanRoute {
  protocol: 'http:' | 'https:';
  hostname: string;
  port?: number;
  /** the Host header the SDK sent */
  host: string;
  /** the bucket's path: "/bucket" in path style (after an endpoint's own path), "" for virtual-hosted */
  path: string;
  region: string;
  service: string;
}

interface SentRequest {
  protocol?: string;
  hostname?: string;
  port?: number;
  path?: string;
  headers?: Record<string, string>;
}

interface Signer {
  sign(request: unknown, options: { signingRegion: string; signingService: string; signingDate: Date }): Promise<{ headers: Record<string, string> }>;
}

interface LeanState {
  routes: Map<string, LeanRoute>;
  signers: Map<string, Promise<Signer>>;
  timeoutMs: number;
  agents: { http: http.Agent; https: https.Agent };
  /** requests answered by the lean path / handed back to the SDK */
  sent: number;
  handedBack: number;
  /** failures other than a missing key since the last answer: at three, this client reads through the SDK only */
  strikes: number;
}

const states = new WeakMap<S3Client, LeanState>();

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request,/;

/** The route of a ListObjectsV2 request the SDK signed, if plain SigV4 over http(s). */
export function routeOf(request: SentRequest): LeanRoute | undefined {
  const h = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const auth = SIGV4.exec(h.authorization ?? '');
  if (!auth || h['x-amz-s3session-token'] || !request.hostname || !h.host) return undefined;
  if (request.protocol !== 'http:' && request.protocol !== 'https:') return undefined;
  return {
    protocol: request.protocol,
    hostname: request.hostname,
    ...(request.port ? { port: request.port } : {}),
    host: h.host,
    path: (request.path ?? '/').replace(/\/+$/, ''),
    region: auth[1]!,
    service: auth[2]!,
  };
}

/** Lets `client` read lean once the SDK has listed a bucket; the agents are the ones its request handler uses. */
export function enableLeanReads(client: S3Client, o: { timeoutMs: number; agents: LeanState['agents'] }): void {
  const state: LeanState = { routes: new Map(), signers: new Map(), timeoutMs: o.timeoutMs, agents: o.agents, sent: 0, handedBack: 0, strikes: 0 };
  states.set(client, state);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const bucket = (args.input as { Bucket?: string }).Bucket;
      const status = (result.response as { statusCode?: number }).statusCode;
      if (context.commandName === 'ListObjectsV2Command' && bucket && status === 200 && !state.routes.has(bucket)) {
        const route = routeOf(args.request as SentRequest);
        if (route) state.routes.set(bucket, route);
      }
      return result;
    },
    // inside the deserializer: the request is the signed one that was sent, the response the raw one
    { step: 'deserialize', priority: 'low', name: 'zpgLeanRoute' },
  );
}

/** Requests the lean path answered and handed back to the SDK, for tests and benches. */
export const leanStats = (client: S3Client) => ({ sent: states.get(client)?.sent ?? 0, handedBack: states.get(client)?.handedBack ?? 0 });

/** RFC 3986, as SigV4 canonicalises. */
const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A key's path below the bucket's, escaped as the SDK escapes it (slashes kept). */
export const objectPath = (key: string) => `/${key.split('/').map(escape).join('/')}`;

function signerFor(client: S3Client, state: LeanState, route: LeanRoute): Promise<Signer> {
  const id = `${route.region}\0${route.service}`;
  let signer = state.signers.get(id);
  if (!signer) {
    signer = client.config.signer({ name: 'sigv4', signingName: route.service, signingRegion: route.region, properties: {} }) as Promise<Signer>;
    state.signers.set(id, signer);
  }
  return signer;
}

/** GET path?query on the bucket's route, its 200's body read by `read`; else undefined (and the route is forgotten). */
async function send<T>(client: S3Client, bucket: string, path: string, query: Record<string, string>, read: (body: string) => T): Promise<T | undefined> {
  const state = states.get(client);
  const route = state?.routes.get(bucket);
  if (!state || !route || state.strikes >= 3) return undefined;
  try {
    const signer = await signerFor(client, state, route);
    const full = `${route.path}${path}` || '/';
    const request = { method: 'GET', protocol: route.protocol, hostname: route.hostname, port: route.port, path: full, query, headers: { host: route.host } };
    // the clock offset the SDK learned from a RequestTimeTooSkewed answer, as its own requests are signed
    const signingDate = new Date(Date.now() + ((client.config as { systemClockOffset?: number }).systemClockOffset ?? 0));
    const { headers } = await signer.sign(request, { signingRegion: route.region, signingService: route.service, signingDate });
    const qs = Object.entries(query).map(([k, v]) => `${escape(k)}=${escape(v)}`).join('&');
    const out = read(await get(state, route, qs ? `${full}?${qs}` : full, headers));
    state.sent++;
    state.strikes = 0;
    return out;
  } catch (e) {
    // The SDK asks again and reports whatever this was. A missing key says nothing against the route; after
    // anything else it is learned anew from the SDK's next good listing.
    state.handedBack++;
    if ((e as { status?: number }).status !== 404) {
      state.strikes++;
      if (state.routes.get(bucket) === route) state.routes.delete(bucket);
    }
    return undefined;
  }
}

function get(state: LeanState, route: LeanRoute, path: string, headers: Record<string, string>): Promise<string> {
  const lib = route.protocol === 'https:' ? https : http;
  const agent = route.protocol === 'https:' ? state.agents.https : state.agents.http;
  return new Promise((resolve, reject) => {
    const req = lib.request({ agent, hostname: route.hostname, port: route.port, method: 'GET', path, headers });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${state.timeoutMs} ms`)), state.timeoutMs);
    // however the request ends (answered, failed, cut off mid-body), the deadline goes with it
    req.once('close', () => clearTimeout(timer));
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.once('error', reject);
      res.once('end', () => {
        if (res.statusCode === 200) resolve(Buffer.concat(chunks).toString('utf8'));
        else reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      });
    });
    req.end();
  });
}

export interface LeanListInput {
  prefix: string;
  delimiter?: string;
  startAfter?: string;
  continuationToken?: string;
  maxKeys?: number;
}

/** One ListObjectsV2 page, or undefined: then send it through the SDK. */
export async function leanList(client: S3Client, bucket: string, i: LeanListInput): Promise<ListedPage | undefined> {
  const query: Record<string, string> = { 'list-type': '2', prefix: i.prefix };
  if (i.delimiter) query.delimiter = i.delimiter;
  if (i.startAfter) query['start-after'] = i.startAfter;
  if (i.continuationToken) query['continuation-token'] = i.continuationToken;
  if (i.maxKeys !== undefined) query['max-keys'] = String(i.maxKeys);
  return send(client, bucket, '', query, parseListBucketResult);
}

/** A small object's text, or undefined: then GET it through the SDK (which also reports a missing key). */
export function leanGetText(client: S3Client, bucket: string, key: string): Promise<string | undefined> {
  return send(client, bucket, objectPath(key), {}, (body) => body);
}
