// Lists with label and field selectors and limit/continue pagination. Pages
// of one list are a consistent snapshot, as the real server guarantees, so the
// first page keeps the matching objects and later pages read from it.
import { badRequest, expired } from './errors.ts';
import { storageKey } from './resources.ts';
import type { Registry } from './registry.ts';
import { SelectorError, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { KubeObject, ResourceType } from './types.ts';

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Snapshot {
  items: KubeObject[];
  rv: string;
  created: number;
}

const SNAPSHOT_TTL_MS = 5 * 60_000;
const MAX_SNAPSHOTS = 64;

export type Matcher = (o: KubeObject) => boolean;

/** Compiles both selectors into one predicate; a bad selector is a 400 with the parser's words. */
export function compileSelectors(rt: ResourceType, labelSelector?: string, fieldSelector?: string): Matcher {
  try {
    const labels = parseLabelSelector(labelSelector ?? '');
    const fields = parseFieldSelector(fieldSelector ?? '', rt.fieldSelectors);
    return (o) => labels(o.metadata.labels) && fields(o as unknown as Record<string, unknown>);
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

export class Lister {
  private readonly snapshots = new Map<string, Snapshot>();
  private nextId = 1;

  private readonly registry: Registry;

  constructor(registry: Registry) {
    this.registry = registry;
  }

  list(rt: ResourceType, namespace: string | undefined, q: ListQuery): ListResult {
    if (q.continue) {
      if (q.resourceVersion) throw badRequest('specifying resource version is not allowed when using continue');
      return this.page(q.continue, q.limit);
    }
    const match = compileSelectors(rt, q.labelSelector, q.fieldSelector);
    const store = this.registry.store;
    const rv = String(store.resourceVersion);
    const items = store
      .list(storageKey(rt), rt.namespaced ? namespace : undefined)
      .filter(match)
      .map((o) => this.registry.present(rt, o));
    if (!q.limit || items.length <= q.limit) return { items, resourceVersion: rv };
    const id = String(this.nextId++);
    this.remember(id, { items, rv, created: Date.now() });
    return this.slice(id, items, rv, 0, q.limit);
  }

  private page(token: string, limit?: number): ListResult {
    let parsed: { id: string; start: number };
    try {
      parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    } catch {
      throw badRequest('continue key is not valid: illegal base64 data');
    }
    const snap = this.snapshots.get(parsed.id);
    if (!snap || Date.now() - snap.created > SNAPSHOT_TTL_MS) {
      this.snapshots.delete(parsed.id);
      throw expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    }
    return this.slice(parsed.id, snap.items, snap.rv, parsed.start, limit ?? snap.items.length);
  }

  private slice(id: string, items: KubeObject[], rv: string, start: number, limit: number): ListResult {
    const end = Math.min(items.length, start + limit);
    const result: ListResult = { items: items.slice(start, end), resourceVersion: rv };
    if (end < items.length) {
      result.continue = Buffer.from(JSON.stringify({ id, start: end })).toString('base64url');
      result.remainingItemCount = items.length - end;
    } else {
      this.snapshots.delete(id);
    }
    return result;
  }

  private remember(id: string, snap: Snapshot): void {
    this.snapshots.set(id, snap);
    if (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
  }
}
