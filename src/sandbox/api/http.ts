// The HTTP face of the sandbox API: URL and query parsing, content types,
// Table negotiation, and Status errors for everything that goes wrong. The
// verbs themselves live in the registry; nothing here decides semantics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { Deleter, type DeleteOptions } from './deletion.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, openApiDocument, openApiIndex, VERSION_INFO } from './discovery.ts';
import { ApiError, badRequest, internalError, methodNotAllowed, notFoundPath, unsupportedMediaType } from './errors.ts';
import { decodeProtobufObject } from './protobuf.ts';
import { Lister, compileSelectors } from './list.ts';
import { PATCH_CONTENT_TYPES, Registry } from './registry.ts';
import { apiVersionOf } from './resources.ts';
import { builtinColumns } from './builtin-columns.ts';
import { toTable } from './table.ts';
import type { KubeObject, ResourceType } from './types.ts';
import { serveWatch } from './watch.ts';
import { duplicateKeys } from './json-keys.ts';
import { MAX_NESTING_DEPTH, textNestingDepth } from '../../operator/model/schema-check.ts';

export interface RequestTarget {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPrefix: boolean;
}

/** Pod subresources that need a kubelet (log, exec, portforward): the sandbox kubelet registers them. */
export type SubresourceHandler = (req: IncomingMessage, res: ServerResponse, target: RequestTarget & { name: string }, query: URLSearchParams) => void;

/**
 * Pod subresources that stream over an upgraded connection (exec, portforward): the request and
 * its raw socket, after the pod was found. Thrown ApiErrors become the refusal (see upgrade.ts).
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget & { name: string }, query: URLSearchParams) => void | Promise<void>;

export interface HttpOptions {
  watchTimeoutMs: () => number;
  bookmarkIntervalMs: number;
  maxBodyBytes: number;
}

const BODY_TYPES_JSON = ['application/json', 'application/yaml', '*/*', ''];

/** Go's strconv.ParseBool, which is what the real server uses for query flags. */
export function parseBool(v: string | null): boolean {
  return v !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

export class ApiHttp {
  readonly lister: Lister;
  readonly deleter: Deleter;
  readonly subresources = new Map<string, SubresourceHandler>();
  readonly upgrades = new Map<string, UpgradeHandler>();
  private readonly watches = new Set<() => void>();

  readonly registry: Registry;
  private readonly opts: HttpOptions;

  constructor(registry: Registry, opts: HttpOptions) {
    this.registry = registry;
    this.opts = opts;
    this.lister = new Lister(registry);
    this.deleter = new Deleter(registry);
  }

  /** Ends every open watch, as an API server restart or a load balancer would. */
  dropWatches(): number {
    const open = [...this.watches];
    for (const close of open) close();
    return open.length;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.route(req, res).catch((e: unknown) => this.fail(res, e));
  };

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const catalog = this.registry.catalog;

    if (path === '/healthz' || path === '/readyz' || path === '/livez') return text(res, 200, 'ok');
    if (method === 'GET') {
      if (path === '/version') return json(res, 200, VERSION_INFO);
      if (path === '/api') return json(res, 200, apiVersions(req.headers.host ?? '127.0.0.1'));
      if (path === '/apis') return json(res, 200, apiGroupList(catalog));
      if (path === '/openapi/v3') return json(res, 200, openApiIndex(catalog));
      // An empty OpenAPI v2 document: kubectl falls back to v2 for kinds the v3 index lacks and,
      // finding no schema there, skips client-side validation as with a real server; without it
      // one unserved kind (a ServiceMonitor) fails the whole file before the mapping error.
      if (path === '/openapi/v2') return openApiV2(req, res);
      if (path.startsWith('/openapi/v3/')) {
        const gv = path.replace(/^\/openapi\/v3\/(api|apis)\//, '');
        return sendOr404(res, openApiDocument(catalog, gv));
      }
      if (path === '/api/v1') return sendOr404(res, apiResourceList(catalog, 'v1'));
      const g = path.match(/^\/apis\/([^/]+)$/);
      if (g) return sendOr404(res, apiGroup(catalog, g[1]));
      const gv = path.match(/^\/apis\/([^/]+\/[^/]+)$/);
      if (gv) return sendOr404(res, apiResourceList(catalog, gv[1]));
    }
    const target = this.resolve(path);
    if (!target) throw notFoundPath();
    await this.dispatch(req, res, method, target, q);
  }

  /** Maps a resource URL to its type, namespace, name and subresource. */
  resolve(path: string): RequestTarget | undefined {
    const m = path.match(/^\/api\/(v1)\/(.*)$/) ?? path.match(/^\/apis\/([^/]+\/[^/]+)\/(.*)$/);
    if (!m) return undefined;
    const [, apiVersion, rest] = m;
    let segs: string[];
    try {
      segs = rest.split('/').map(decodeURIComponent);
    } catch {
      // Go's net/http refuses a malformed escape before routing: a 400, not a 500.
      throw badRequest(`invalid URL escape in path: ${path}`);
    }
    let watchPrefix = false;
    if (segs[0] === 'watch') {
      watchPrefix = true;
      segs = segs.slice(1);
    }
    let namespace: string | undefined;
    if (segs[0] === 'namespaces' && segs.length >= 3 && !(segs.length === 3 && (segs[2] === 'status' || segs[2] === 'finalize'))) {
      namespace = segs[1];
      segs = segs.slice(2);
    }
    if (segs.length < 1 || segs.length > 3) return undefined;
    const rt = this.registry.catalog.get(apiVersion, segs[0]);
    if (!rt) return undefined;
    if (namespace !== undefined && !rt.namespaced) return undefined;
    const [, name, subresource] = segs;
    if (subresource && subresource !== 'status' && !rt.subresources.includes(subresource)) return undefined;
    if (subresource === 'status' && !rt.statusSubresource) return undefined;
    return { rt, namespace, name, subresource, watchPrefix };
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, method: string, t: RequestTarget, q: URLSearchParams): Promise<void> {
    const { rt, namespace, name, subresource } = t;
    if (rt.namespaced && name !== undefined && namespace === undefined) throw notFoundPath();
    const dryRun = q.get('dryRun') === 'All';
    const fieldManager = q.get('fieldManager') ?? undefined;
    const writeOpts = { dryRun, fieldManager, force: parseBool(q.get('force')), subresource, fieldValidation: q.get('fieldValidation') ?? undefined, ownsBody: true };

    if (subresource && subresource !== 'status') {
      const handler = this.subresources.get(`${rt.plural}/${subresource}`);
      if (!handler) throw badRequest(`${rt.plural}/${subresource} is not served: no kubelet runs this pod`);
      this.registry.get(rt, namespace, name!); // 404 for a missing pod, before the handler
      return handler(req, res, { ...t, name: name! }, q);
    }

    if (method === 'GET') {
      if (t.watchPrefix || parseBool(q.get('watch'))) return this.watch(req, res, t, q);
      if (name !== undefined) return this.respond(req, res, 200, this.registry.get(rt, namespace, name));
      return this.list(req, res, t, q);
    }
    if (method === 'POST' && name === undefined) {
      const body = await readBody(req, this.opts.maxBodyBytes, false);
      duplicateFields(res, rt, jsonBodies.get(req), writeOpts.fieldValidation);
      return this.respond(req, res, 201, this.registry.create(rt, namespace, body, writeOpts));
    }
    if (method === 'PUT' && name !== undefined) {
      const body = await readBody(req, this.opts.maxBodyBytes, false);
      duplicateFields(res, rt, jsonBodies.get(req), writeOpts.fieldValidation);
      return this.respond(req, res, 200, this.registry.update(rt, namespace, name, body, writeOpts));
    }
    if (method === 'PATCH' && name !== undefined) {
      const type = PATCH_CONTENT_TYPES[mediaType(req)];
      if (!type) throw unsupportedMediaType(Object.keys(PATCH_CONTENT_TYPES));
      const body = await readBody(req, this.opts.maxBodyBytes, type === 'apply');
      const existed = type === 'apply' ? this.registry.find(rt, namespace, name) !== undefined : true;
      const result = this.registry.patch(rt, namespace, name, type, body, writeOpts);
      return this.respond(req, res, existed ? 200 : 201, result);
    }
    if (method === 'DELETE') {
      const body = (await readBody(req, this.opts.maxBodyBytes, false, true)) as DeleteOptions | undefined;
      const opts: DeleteOptions = { ...(body ?? {}), dryRun };
      if (q.get('propagationPolicy')) opts.propagationPolicy = q.get('propagationPolicy')!;
      if (q.get('gracePeriodSeconds')) opts.gracePeriodSeconds = Number(q.get('gracePeriodSeconds'));
      if (name !== undefined) {
        const { object, gone } = this.deleter.delete(rt, namespace, name, opts);
        return this.respond(req, res, 200, gone && !rt.custom && rt.kind !== 'Pod' ? successStatus(rt, object) : object);
      }
      const deleted = this.deleter.deleteCollection(rt, namespace, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined, opts);
      return this.respond(req, res, 200, this.listObject(rt, deleted, String(this.registry.store.resourceVersion)));
    }
    throw methodNotAllowed();
  }

  private list(req: IncomingMessage, res: ServerResponse, t: RequestTarget, q: URLSearchParams): void {
    const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
    const result = this.lister.list(t.rt, t.namespace, {
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      limit: limit && limit > 0 ? limit : undefined,
      continue: q.get('continue') ?? undefined,
      resourceVersion: q.get('resourceVersion') ?? undefined,
    });
    if (wantsTable(req)) {
      return json(res, 200, this.table(t.rt, result.items, { resourceVersion: result.resourceVersion, continue: result.continue }));
    }
    const list = this.listObject(t.rt, result.items, result.resourceVersion, result.continue, result.remainingItemCount);
    json(res, 200, list);
  }

  private listObject(rt: ResourceType, items: KubeObject[], resourceVersion: string, cont?: string, remaining?: number) {
    return {
      kind: rt.listKind,
      apiVersion: apiVersionOf(rt),
      metadata: { resourceVersion, ...(cont ? { continue: cont } : {}), ...(remaining ? { remainingItemCount: remaining } : {}) },
      items,
    };
  }

  private watch(req: IncomingMessage, res: ServerResponse, t: RequestTarget, q: URLSearchParams): void {
    let fieldSelector = q.get('fieldSelector') ?? undefined;
    // The legacy /watch/.../{name} form watches one object.
    if (t.name !== undefined) fieldSelector = [`metadata.name=${t.name}`, fieldSelector].filter(Boolean).join(',');
    const match = compileSelectors(t.rt, q.get('labelSelector') ?? undefined, fieldSelector);
    const timeoutSeconds = Number(q.get('timeoutSeconds'));
    const asTable = wantsTable(req);
    serveWatch(res, this.registry, {
      rt: t.rt,
      namespace: t.namespace,
      match,
      resourceVersion: q.get('resourceVersion') ?? undefined,
      allowBookmarks: parseBool(q.get('allowWatchBookmarks')),
      sendInitialEvents: parseBool(q.get('sendInitialEvents')),
      timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : this.opts.watchTimeoutMs(),
      bookmarkIntervalMs: this.opts.bookmarkIntervalMs,
      active: this.watches,
      render: asTable ? (o) => this.table(t.rt, [o], { resourceVersion: o.metadata.resourceVersion ?? '' }) : (o) => o,
    });
  }

  private table(rt: ResourceType, items: KubeObject[], listMeta: { resourceVersion: string; continue?: string }) {
    const columns = rt.custom ? (rt.printerColumns ?? []) : builtinColumns(rt.kind);
    return toTable(items, columns, listMeta, this.registry.clock());
  }

  private respond(req: IncomingMessage, res: ServerResponse, code: number, o: KubeObject | Record<string, unknown>): void {
    const obj = o as KubeObject;
    if (wantsTable(req) && obj.metadata && (obj as { kind?: string }).kind !== 'Status') {
      const rt = this.registry.catalog.byKind(String(obj.apiVersion), String(obj.kind));
      if (rt) return json(res, code, this.table(rt, [obj], { resourceVersion: obj.metadata.resourceVersion ?? '' }));
    }
    json(res, code, o);
  }

  private fail(res: ServerResponse, e: unknown): void {
    // A client that hung up mid-request is nobody's error, and there is no one to answer.
    if (res.destroyed || res.socket?.destroyed) return;
    const err = e instanceof ApiError ? e : internalError(e instanceof Error ? e.message : String(e));
    // The rest of an oversized body is never read: close the connection, as Go's server does,
    // or the next request on it would be parsed out of those bytes and hang.
    if (err.code === 413) res.setHeader('Connection', 'close');
    if (!(e instanceof ApiError)) process.stderr.write(`sandbox api: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
    if (res.headersSent) {
      res.end();
      return;
    }
    json(res, err.code, err.toStatus());
  }
}

/**
 * Duplicate keys in a create or update body, by fieldValidation as the real
 * server handles them: Strict refuses with 400, Warn (the default) answers with
 * a Warning header per duplicate and keeps the last value, Ignore says nothing.
 */
function duplicateFields(res: ServerResponse, rt: ResourceType, raw: string | undefined, fieldValidation: string | undefined): void {
  if (!raw || fieldValidation === 'Ignore') return;
  const dups = duplicateKeys(raw).map((p) => `duplicate field ${JSON.stringify(p)}`);
  if (!dups.length) return;
  if (fieldValidation === 'Strict') {
    throw badRequest(`${rt.kind} in version ${JSON.stringify(rt.version)} cannot be handled as a ${rt.kind}: strict decoding error: ${dups.join(', ')}`);
  }
  res.setHeader('Warning', dups.map((d) => `299 - ${JSON.stringify(d)}`));
}

function successStatus(rt: ResourceType, o: KubeObject) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: o.metadata.name, ...(rt.group ? { group: rt.group } : {}), kind: rt.plural, uid: o.metadata.uid },
  };
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function wantsTable(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part) && /v=v1(\b|;|$)/.test(part));
}

/** the raw JSON of each request's body, for the strict decoder's duplicate-key check */
const jsonBodies = new WeakMap<IncomingMessage, string>();

async function readBody(req: IncomingMessage, max: number, yamlAllowed: boolean, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks);
  const type = mediaType(req);
  // kubectl's typed generators (create namespace/configmap/secret/serviceaccount) send protobuf
  if (type === 'application/vnd.kubernetes.protobuf' && body.length) return decodeProtobufObject(body);
  const raw = body.toString('utf8');
  if (raw.trim() === '') {
    if (optional) return undefined;
    throw badRequest('the request body is empty: expected a JSON object');
  }
  if (type === 'application/vnd.kubernetes.protobuf' || type === 'application/cbor') {
    throw unsupportedMediaType(['application/json', 'application/yaml']);
  }
  if (!yamlAllowed && !type.endsWith('json') && !BODY_TYPES_JSON.includes(type)) {
    throw unsupportedMediaType(['application/json', 'application/yaml']);
  }
  // Refused before decoding, as the real server refuses objects nested past its limit (422, not a crash).
  const depth = textNestingDepth(raw);
  if (depth > MAX_NESTING_DEPTH) throw tooDeep(depth);
  if (!yamlAllowed && type !== 'application/yaml') jsonBodies.set(req, raw);
  try {
    return yamlAllowed || type === 'application/yaml' ? parseYaml(raw) : JSON.parse(raw);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(depth);
    throw badRequest(`the request body could not be decoded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
}

const tooDeep = (depth: number) =>
  new ApiError(422, 'Invalid', `the object is nested ${depth} levels deep: exceeded max depth of ${MAX_NESTING_DEPTH}`, {
    causes: [{ reason: 'FieldValueInvalid', message: `exceeded max depth of ${MAX_NESTING_DEPTH}`, field: '<nil>' }],
  });

function openApiV2(req: IncomingMessage, res: ServerResponse): void {
  if (!(req.headers.accept ?? '').includes('protobuf')) {
    return json(res, 200, { swagger: '2.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths: {} });
  }
  // Zero bytes decode as an empty openapi_v2.Document.
  res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': 0 });
  res.end();
}

function sendOr404(res: ServerResponse, doc: unknown): void {
  if (doc === undefined) throw notFoundPath();
  json(res, 200, doc);
}

export function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}
