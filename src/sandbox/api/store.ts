// Storage with one global, numeric resourceVersion (etcd's revision), a
// bounded event history for watches that resume, and indexes the garbage
// collector needs. Stored objects are never mutated: every write stores a new
// object, so lists and watch events can share references safely.
import type { KubeObject } from './types.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  rv: number;
  /** storage key: `group/plural` */
  key: string;
  object: KubeObject;
  /** the object before a MODIFIED write; watchers need it for selector transitions */
  old?: KubeObject;
}

export type Subscriber = (ev: StoreEvent) => void;

export const objectId = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);

export interface ObjectRef {
  key: string;
  id: string;
}

export class ObjectStore {
  private revision = 0;
  private readonly tables = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0; // index into `history` of the oldest retained event
  /** events with rv <= this are gone from history: a watch from before it gets 410 */
  private compactedRv = 0;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** events written by a subscriber while others still hear an earlier one: delivered after it, in order */
  private readonly pending: StoreEvent[] = [];
  private dispatching = false;
  private readonly uids = new Map<string, ObjectRef>();
  private readonly dependents = new Map<string, Set<string>>(); // owner uid -> "key|id"
  /** per table, per namespace ("" = cluster-scoped) the ids; lists read these, not the whole table */
  private readonly byNamespace = new Map<string, Map<string, Set<string>>>();
  /** sorted ids, kept until an object is added or removed (updates keep the order) */
  private readonly sorted = new Map<string, string[]>();

  private readonly historyLimit: number;

  constructor(historyLimit = 20_000) {
    this.historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestResumableRv(): number {
    return this.compactedRv;
  }

  private table(key: string): Map<string, KubeObject> {
    let t = this.tables.get(key);
    if (!t) this.tables.set(key, (t = new Map()));
    return t;
  }

  get(key: string, id: string): KubeObject | undefined {
    return this.tables.get(key)?.get(id);
  }

  byUid(uid: string): (ObjectRef & { object: KubeObject }) | undefined {
    const ref = this.uids.get(uid);
    const object = ref && this.get(ref.key, ref.id);
    return ref && object ? { ...ref, object } : undefined;
  }

  /** Objects of one resource, in the order etcd lists them (by namespace, then name). */
  list(key: string, namespace?: string): KubeObject[] {
    const t = this.tables.get(key);
    if (!t) return [];
    const cacheKey = namespace === undefined ? key : `${key}\u0000${namespace}`;
    let ids = this.sorted.get(cacheKey);
    if (!ids) {
      ids = namespace === undefined ? [...t.keys()].sort() : [...(this.byNamespace.get(key)?.get(namespace) ?? [])].sort();
      this.sorted.set(cacheKey, ids);
    }
    return ids.map((id) => t.get(id)!);
  }

  private membership(key: string, id: string, namespace: string | undefined, present: boolean): void {
    let spaces = this.byNamespace.get(key);
    if (!spaces) this.byNamespace.set(key, (spaces = new Map()));
    const ns = namespace ?? '';
    let ids = spaces.get(ns);
    if (!ids) spaces.set(ns, (ids = new Set()));
    if (present) ids.add(id);
    else ids.delete(id);
    this.sorted.delete(key);
    this.sorted.delete(`${key}\u0000${ns}`);
  }

  count(key: string): number {
    return this.tables.get(key)?.size ?? 0;
  }

  keys(): string[] {
    return [...this.tables.keys()];
  }

  dependentsOf(uid: string): ObjectRef[] {
    return [...(this.dependents.get(uid) ?? [])].map((s) => {
      const i = s.indexOf('|');
      return { key: s.slice(0, i), id: s.slice(i + 1) };
    });
  }

  nextRv(): number {
    return ++this.revision;
  }

  /** Stores `object` (its resourceVersion already set from nextRv()) and tells subscribers. */
  put(key: string, object: KubeObject): void {
    const id = objectId(object.metadata.namespace, object.metadata.name!);
    const t = this.table(key);
    const old = t.get(id);
    t.set(id, object);
    if (!old) this.membership(key, id, object.metadata.namespace, true);
    if (old) this.unindex(key, id, old);
    this.index(key, id, object);
    this.emit({ type: old ? 'MODIFIED' : 'ADDED', rv: Number(object.metadata.resourceVersion), key, object, old });
  }

  /** Removes an object; `tombstone` is the object as watchers see it in the DELETED event. */
  remove(key: string, tombstone: KubeObject): void {
    const id = objectId(tombstone.metadata.namespace, tombstone.metadata.name!);
    const t = this.tables.get(key);
    const old = t?.get(id);
    if (!t || !old) return;
    t.delete(id);
    this.membership(key, id, old.metadata.namespace, false);
    this.unindex(key, id, old);
    this.emit({ type: 'DELETED', rv: Number(tombstone.metadata.resourceVersion), key, object: tombstone });
  }

  private index(key: string, id: string, o: KubeObject): void {
    if (o.metadata.uid) this.uids.set(o.metadata.uid, { key, id });
    for (const ref of o.metadata.ownerReferences ?? []) {
      let s = this.dependents.get(ref.uid);
      if (!s) this.dependents.set(ref.uid, (s = new Set()));
      s.add(`${key}|${id}`);
    }
  }

  private unindex(key: string, id: string, o: KubeObject): void {
    if (o.metadata.uid) this.uids.delete(o.metadata.uid);
    for (const ref of o.metadata.ownerReferences ?? []) {
      const s = this.dependents.get(ref.uid);
      s?.delete(`${key}|${id}`);
      if (s?.size === 0) this.dependents.delete(ref.uid);
    }
  }

  private emit(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.compactedRv = this.history[this.historyStart].rv;
      this.historyStart++;
      // Drop the dead prefix in batches so trimming stays O(1) amortised.
      if (this.historyStart > 4096) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    this.pending.push(ev);
    if (this.dispatching) return;
    // A subscriber that writes (a controller, the kubelet) must not make watchers
    // see its newer event before the one it reacted to.
    this.dispatching = true;
    try {
      for (let next = this.pending.shift(); next; next = this.pending.shift()) {
        for (const fn of this.subscribers.get(next.key) ?? []) fn(next);
        for (const fn of this.subscribers.get('*') ?? []) fn(next);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** Drops history as etcd compaction would; the next resume from before now gets 410. */
  compact(): void {
    this.compactedRv = this.revision;
    this.history.length = 0;
    this.historyStart = 0;
  }

  /** Events of one resource after `rv`, or undefined when they are no longer retained. */
  eventsSince(key: string, rv: number): StoreEvent[] | undefined {
    if (rv < this.compactedRv) return undefined;
    const out: StoreEvent[] = [];
    // History is ordered by rv; binary search for the first event after rv.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) if (this.history[i].key === key) out.push(this.history[i]);
    return out;
  }

  /** `key` is a storage key, or '*' for every write. Returns the unsubscribe function. */
  subscribe(key: string, fn: Subscriber): () => void {
    let s = this.subscribers.get(key);
    if (!s) this.subscribers.set(key, (s = new Set()));
    s.add(fn);
    return () => s.delete(fn);
  }
}
