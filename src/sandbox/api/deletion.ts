// Deletion as the real server and its controllers do it: finalizers and
// deletionTimestamp, graceful pod deletion, the three propagation policies,
// ownerReference garbage collection by uid, and namespaces that empty
// themselves before they go.
import { badRequest, preconditionConflict } from './errors.ts';
import { compileSelectors } from './list.ts';
import { timestamp } from './meta.ts';
import { podGraceSeconds } from './pod-grace.ts';
import type { Registry } from './registry.ts';
import { storageKey } from './resources.ts';
import type { StoreEvent } from './store.ts';
import type { KubeObject, ResourceType } from './types.ts';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface DeleteResult {
  object: KubeObject;
  /** false while finalizers keep the object: the reply then carries the object, not a Status */
  gone: boolean;
}

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

export class Deleter {
  private pending = false;
  private readonly dirty = new Set<string>(); // uids of owners whose dependents need a look

  private readonly registry: Registry;

  constructor(registry: Registry) {
    this.registry = registry;
    registry.store.subscribe('*', (ev) => this.observe(ev));
  }

  delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const old = this.registry.get(rt, namespace, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid) throw preconditionConflict(rt, name, 'UID', pre.uid, old.metadata.uid!);
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw preconditionConflict(rt, name, 'ResourceVersion', pre.resourceVersion, old.metadata.resourceVersion!);
    }
    const policy = this.policy(opts);
    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (policy === 'Foreground' && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
    if (policy === 'Orphan' && !finalizers.includes(ORPHAN)) finalizers.push(ORPHAN);
    if (rt.kind === 'Namespace') return this.deleteNamespace(rt, old, opts);
    if (rt.kind === 'Pod' && rt.group === '') {
      const grace = podGraceSeconds(old, opts.gracePeriodSeconds);
      if (grace > 0) return this.deleteGracefully(rt, old, finalizers, grace, opts);
    }

    if (finalizers.length === 0) {
      if (opts.dryRun) return { object: old, gone: true };
      return { object: this.registry.removeNow(rt, old), gone: true };
    }
    if (old.metadata.deletionTimestamp && deepSame(finalizers, old.metadata.finalizers)) return { object: old, gone: false };
    if (opts.dryRun) return { object: old, gone: false };
    const next: KubeObject = {
      ...old,
      metadata: {
        ...old.metadata,
        finalizers,
        deletionTimestamp: old.metadata.deletionTimestamp ?? timestamp(this.registry.clock()),
        deletionGracePeriodSeconds: 0,
        ...(rt.tracksGeneration && !old.metadata.deletionTimestamp ? { generation: (old.metadata.generation ?? 1) + 1 } : {}),
      },
    };
    return { object: this.registry.present(rt, this.registry.writeAsServer(rt, next)), gone: false };
  }

  /** A running pod: marked now, removed by its kubelet once the containers stopped (or by a delete with grace 0). */
  private deleteGracefully(rt: ResourceType, old: KubeObject, finalizers: string[], grace: number, opts: DeleteOptions): DeleteResult {
    const at = new Date(this.registry.clock().getTime() + grace * 1000);
    const current = old.metadata.deletionTimestamp;
    // A second delete may shorten the grace period, never lengthen it.
    const sooner = !current || Date.parse(current) > at.getTime();
    if ((!sooner && deepSame(finalizers, old.metadata.finalizers)) || opts.dryRun) return { object: old, gone: false };
    const next: KubeObject = {
      ...old,
      metadata: {
        ...old.metadata,
        ...(finalizers.length ? { finalizers } : {}),
        deletionTimestamp: sooner ? timestamp(at) : current,
        deletionGracePeriodSeconds: sooner ? grace : old.metadata.deletionGracePeriodSeconds,
      },
    };
    return { object: this.registry.present(rt, this.registry.writeAsServer(rt, next)), gone: false };
  }

  deleteCollection(rt: ResourceType, namespace: string | undefined, labelSelector?: string, fieldSelector?: string, opts: DeleteOptions = {}): KubeObject[] {
    const match = compileSelectors(rt, labelSelector, fieldSelector);
    const victims = this.registry.store.list(storageKey(rt), rt.namespaced ? namespace : undefined).filter(match);
    return victims.map((o) => this.delete(rt, o.metadata.namespace, o.metadata.name!, opts).object);
  }

  private policy(opts: DeleteOptions): Propagation {
    const p = opts.propagationPolicy;
    if (p === undefined || p === '') return opts.orphanDependents ? 'Orphan' : 'Background';
    if (p === 'Background' || p === 'Foreground' || p === 'Orphan') return p;
    throw badRequest(`propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"`);
  }

  // ---- namespaces ------------------------------------------------------------------------------

  private deleteNamespace(rt: ResourceType, ns: KubeObject, opts: DeleteOptions): DeleteResult {
    if (ns.metadata.deletionTimestamp || opts.dryRun) return { object: ns, gone: false };
    const next: KubeObject = {
      ...ns,
      metadata: { ...ns.metadata, deletionTimestamp: timestamp(this.registry.clock()), deletionGracePeriodSeconds: 0 },
      status: { ...(ns.status as object), phase: 'Terminating' },
    };
    const written = this.registry.writeAsServer(rt, next);
    this.schedule();
    return { object: written, gone: false };
  }

  /** Namespace controller: delete everything inside a Terminating namespace, then the namespace. */
  private drainNamespaces(): void {
    const nsRt = this.registry.catalog.get('v1', 'namespaces')!;
    for (const ns of this.registry.store.list(storageKey(nsRt))) {
      if (!ns.metadata.deletionTimestamp) continue;
      const name = ns.metadata.name!;
      let left = 0;
      for (const rt of this.namespacedTypes()) {
        for (const o of this.registry.store.list(storageKey(rt), name)) {
          left++;
          if (!o.metadata.deletionTimestamp) this.delete(rt, name, o.metadata.name!, {});
        }
      }
      if (left === 0 && !ns.metadata.finalizers?.length) this.registry.removeNow(nsRt, ns);
    }
  }

  private namespacedTypes(): ResourceType[] {
    const seen = new Set<string>();
    return this.registry.catalog.all().filter((rt) => {
      const key = storageKey(rt);
      if (!rt.namespaced || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  // ---- garbage collector -------------------------------------------------------------------

  private observe(ev: StoreEvent): void {
    const m = ev.object.metadata;
    if (ev.type === 'DELETED' && m.uid && this.registry.store.dependentsOf(m.uid).length) this.dirty.add(m.uid);
    if (ev.type !== 'DELETED' && m.deletionTimestamp && m.uid) this.dirty.add(m.uid);
    // A dependent that vanished may be the last thing a foreground owner waits for.
    for (const ref of m.ownerReferences ?? []) if (ev.type === 'DELETED') this.dirty.add(ref.uid);
    if (ev.type === 'DELETED' && m.namespace) this.dirty.add(`ns:${m.namespace}`);
    if (this.dirty.size) this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    // Asynchronous, like the real GC: the delete call returns before dependents go.
    setImmediate(() => {
      this.pending = false;
      const uids = [...this.dirty];
      this.dirty.clear();
      for (const uid of uids) if (!uid.startsWith('ns:')) this.collect(uid);
      this.drainNamespaces();
    });
  }

  private collect(ownerUid: string): void {
    const store = this.registry.store;
    const owner = store.byUid(ownerUid)?.object;
    const dependents = store.dependentsOf(ownerUid);
    if (!owner) {
      for (const ref of dependents) {
        const dep = store.get(ref.key, ref.id);
        if (dep && !dep.metadata.deletionTimestamp && this.allOwnersGone(dep)) this.deleteByRef(ref.key, dep, 'Background');
      }
      return;
    }
    const fins = owner.metadata.finalizers ?? [];
    if (!owner.metadata.deletionTimestamp) return;
    if (fins.includes(ORPHAN)) {
      for (const ref of dependents) {
        const dep = store.get(ref.key, ref.id);
        if (dep) this.stripOwner(ref.key, dep, ownerUid);
      }
      this.removeFinalizer(owner, ORPHAN);
    } else if (fins.includes(FOREGROUND)) {
      for (const ref of dependents) {
        const dep = store.get(ref.key, ref.id);
        if (dep && !dep.metadata.deletionTimestamp) this.deleteByRef(ref.key, dep, 'Foreground');
      }
      const blocking = store.dependentsOf(ownerUid).filter((ref) => {
        const dep = store.get(ref.key, ref.id);
        return dep?.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.blockOwnerDeletion);
      });
      if (blocking.length === 0) this.removeFinalizer(owner, FOREGROUND);
    }
  }

  private allOwnersGone(dep: KubeObject): boolean {
    return (dep.metadata.ownerReferences ?? []).every((r) => {
      const o = this.registry.store.byUid(r.uid)?.object;
      // An owner in another namespace cannot own this object: treat it as absent.
      return !o || (o.metadata.namespace !== undefined && o.metadata.namespace !== dep.metadata.namespace);
    });
  }

  private typeOf(key: string): ResourceType | undefined {
    return this.registry.catalog.all().find((rt) => storageKey(rt) === key);
  }

  private deleteByRef(key: string, dep: KubeObject, policy: Propagation): void {
    const rt = this.typeOf(key);
    if (rt) this.delete(rt, dep.metadata.namespace, dep.metadata.name!, { propagationPolicy: policy });
  }

  private stripOwner(key: string, dep: KubeObject, ownerUid: string): void {
    const rt = this.typeOf(key);
    if (!rt) return;
    const refs = (dep.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
    const metadata: KubeObject['metadata'] = { ...dep.metadata, ownerReferences: refs };
    if (refs.length === 0) delete metadata.ownerReferences;
    this.registry.writeAsServer(rt, { ...dep, metadata });
  }

  private removeFinalizer(owner: KubeObject, finalizer: string): void {
    const ref = this.registry.store.byUid(owner.metadata.uid!);
    const rt = ref && this.typeOf(ref.key);
    if (!rt) return;
    const finalizers = (owner.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (finalizers.length === 0) {
      this.registry.removeNow(rt, owner);
      return;
    }
    this.registry.writeAsServer(rt, { ...owner, metadata: { ...owner.metadata, finalizers } });
  }
}

function deepSame(a: string[] | undefined, b: string[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}
