// Watch streams: chunked JSON lines, flushed at once (client-node and Patroni
// wait for headers), resumable from a resourceVersion while it is in history
// and otherwise answered with an ERROR 410 event and a close, as the real
// server's watch cache does. Bookmarks only when asked for.
import type { ServerResponse } from 'node:http';
import type { Matcher } from './list.ts';
import type { Registry } from './registry.ts';
import { storageKey } from './resources.ts';
import type { StoreEvent } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';

export interface WatchOptions {
  rt: ResourceType;
  namespace?: string;
  match: Matcher;
  resourceVersion?: string;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** server-chosen lifetime when the client gives no timeoutSeconds */
  timeoutMs: number;
  bookmarkIntervalMs: number;
  /** turns an object into what the client asked for (a Table row, or itself) */
  render: (o: KubeObject) => unknown;
  /** open watches register their close function here, so the server can drop them all */
  active: Set<() => void>;
}

/** Above this many unsent bytes the client is too slow: close, and let it resume or relist. */
const MAX_BUFFERED = 16 * 1024 * 1024;

export function serveWatch(res: ServerResponse, registry: Registry, w: WatchOptions): void {
  const { rt, match } = w;
  const key = storageKey(rt);
  const store = registry.store;
  const inScope = (o: KubeObject) => !rt.namespaced || !w.namespace || o.metadata.namespace === w.namespace;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = () => {};
  const close = () => {
    if (closed) return;
    closed = true;
    w.active.delete(close);
    unsubscribe();
    for (const t of timers) clearTimeout(t); // clearTimeout clears intervals too
    res.end();
  };
  const send = (type: string, object: unknown) => {
    if (closed) return;
    res.write(`${JSON.stringify({ type, object })}\n`);
    if (res.writableLength > MAX_BUFFERED) close();
  };
  const sendObject = (type: string, o: KubeObject) => send(type, w.render(registry.present(rt, o)));
  const bookmark = (annotations?: Record<string, string>) =>
    send('BOOKMARK', {
      kind: rt.kind,
      apiVersion: registry.present(rt, { metadata: {} }).apiVersion,
      metadata: { resourceVersion: String(store.resourceVersion), ...(annotations ? { annotations } : {}) },
    });

  const deliver = (ev: StoreEvent) => {
    if (!inScope(ev.object)) return;
    const now = match(ev.object);
    if (ev.type === 'ADDED') {
      if (now) sendObject('ADDED', ev.object);
    } else if (ev.type === 'DELETED') {
      if (now) sendObject('DELETED', ev.object);
    } else {
      const before = ev.old ? inScope(ev.old) && match(ev.old) : false;
      // Selector transitions: a watcher sees objects enter and leave its selection.
      if (before && now) sendObject('MODIFIED', ev.object);
      else if (now) sendObject('ADDED', ev.object);
      else if (before) sendObject('DELETED', ev.object);
    }
  };

  const rv = w.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0' || w.sendInitialEvents) {
    for (const o of store.list(key, rt.namespaced ? w.namespace : undefined)) if (match(o)) sendObject('ADDED', o);
    if (w.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const n = Number(rv);
    const events = Number.isFinite(n) ? store.eventsSince(key, n) : undefined;
    if (!events) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rv} (${store.oldestResumableRv})`,
        reason: 'Expired',
        code: 410,
      });
      close();
      return;
    }
    for (const ev of events) deliver(ev);
  }
  unsubscribe = store.subscribe(key, deliver);

  w.active.add(close);
  res.on('close', close);
  timers.push(
    setTimeout(() => {
      if (w.allowBookmarks) bookmark();
      close();
    }, w.timeoutMs),
  );
  if (w.allowBookmarks) timers.push(setInterval(() => bookmark(), w.bookmarkIntervalMs));
}
