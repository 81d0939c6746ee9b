// The verbs with the real API server's semantics: optimistic concurrency,
// generation, the status subresource, no-op writes that write nothing,
// defaulting and validation. HTTP is elsewhere; controllers inside the sandbox
// call these methods directly and get exactly what a remote client would.
import { carryOverOnUpdate, defaultObject, metaErrors, validateCreate, validateUpdate } from './admission.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  unsupportedMediaType,
} from './errors.ts';
import { newUid, randomSuffix, specChanged, stripNulls, timestamp } from './meta.ts';
import {
  PatchError,
  applyJsonPatch,
  applyMergePatch,
  applyServerSideApply,
  applyStrategicMergePatch,
  deepClone,
  deepEqual,
} from './patch.ts';
import { ResourceCatalog, apiVersionOf, storageKey } from './resources.ts';
import { pruneAndDefault, validate as validateSchema } from './schema.ts';
import { ObjectStore, objectId } from './store.ts';
import type { FieldError, KubeObject, ResourceType } from './types.ts';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  force?: boolean;
  subresource?: string;
  /** set by server-side apply, so create remembers the applied configuration */
  apply?: boolean;
  /** Strict: unknown fields of a custom object are an error instead of being pruned */
  fieldValidation?: string;
  /** the body is the registry's to change (a request body just decoded): no defensive copy of it */
  ownsBody?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class Registry {
  readonly catalog: ResourceCatalog;
  readonly store: ObjectStore;
  readonly clock: () => Date;
  private clusterIpCounter = 10;
  /** server-side apply: the last configuration each field manager applied, by object uid */
  private readonly applied = new Map<string, Map<string, KubeObject>>();
  /** called on every committed deletion of a Pod, so a kubelet can stop it */
  deletionHooks: ((rt: ResourceType, o: KubeObject) => void)[] = [];

  constructor(catalog: ResourceCatalog, store: ObjectStore, clock: () => Date = () => new Date()) {
    this.catalog = catalog;
    this.store = store;
    this.clock = clock;
    const ns = catalog.get('v1', 'namespaces')!;
    for (const name of SYSTEM_NAMESPACES) this.create(ns, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  // ---- reads ---------------------------------------------------------------------------------

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(storageKey(rt), objectId(rt.namespaced ? namespace : undefined, name));
    if (!o) throw notFound(rt, name);
    return this.present(rt, o);
  }

  find(rt: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(storageKey(rt), objectId(rt.namespaced ? namespace : undefined, name));
    return o && this.present(rt, o);
  }

  /** Objects are stored under their group/plural; each served version shows its own apiVersion. */
  present(rt: ResourceType, o: KubeObject): KubeObject {
    const apiVersion = apiVersionOf(rt);
    return o.apiVersion === apiVersion ? o : { ...o, apiVersion };
  }

  // ---- create --------------------------------------------------------------------------------

  create(rt: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): KubeObject {
    const obj = this.decode(rt, namespace, body, opts.ownsBody);
    const appliedConfig = opts.apply ? deepClone(obj) : undefined;
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = this.generateName(rt, namespace, meta.generateName);
    const name = meta.name ?? '';
    if (!name) {
      throw invalid(rt, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    if (rt.namespaced) this.checkNamespaceWritable(namespace!);
    const key = storageKey(rt);
    if (this.store.get(key, objectId(namespace, name))) throw alreadyExists(rt, name);

    // Server-owned fields: clients cannot choose them.
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = newUid();
    meta.creationTimestamp = timestamp(this.clock());
    if (rt.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    if (rt.statusSubresource && rt.custom) delete obj.status;

    let next = this.admit(rt, obj, undefined, opts);
    if (rt.kind === 'CustomResourceDefinition') next = this.establishCrd(next);
    if (opts.dryRun) return this.present(rt, next);
    next.metadata.resourceVersion = String(this.store.nextRv());
    this.store.put(key, next);
    if (opts.fieldManager && appliedConfig) this.rememberApplied(next, opts.fieldManager, appliedConfig);
    if (rt.kind === 'CustomResourceDefinition') this.catalog.registerCrd(next);
    return this.present(rt, next);
  }

  private generateName(rt: ResourceType, namespace: string | undefined, prefix: string): string {
    // Retry on collision, as servers since 1.31 do, rather than answering 409.
    for (let i = 0; i < 8; i++) {
      const name = prefix + randomSuffix();
      if (!this.store.get(storageKey(rt), objectId(namespace, name))) return name;
    }
    throw alreadyExists(rt, prefix);
  }

  private checkNamespaceWritable(namespace: string): void {
    const nsRt = this.catalog.get('v1', 'namespaces')!;
    const ns = this.store.get(storageKey(nsRt), namespace);
    if (!ns) throw notFound(nsRt, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw forbidden(`unable to create new content in namespace ${namespace} because it is being terminated`);
    }
  }

  // ---- update / patch ------------------------------------------------------------------------

  update(rt: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const old = this.get(rt, namespace, name);
    const obj = this.decode(rt, namespace, body, opts.ownsBody);
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    }
    const rv = obj.metadata.resourceVersion;
    if (!rv && (rt.custom || rt.kind === 'Lease')) {
      throw invalid(rt, name, [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
    if (rv && rv !== old.metadata.resourceVersion) throw conflict(rt, name);
    return this.commitUpdate(rt, old, obj, opts);
  }

  patch(
    rt: ResourceType,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions = {},
  ): KubeObject {
    if (type === 'strategic' && rt.custom) {
      throw unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    }
    if (type === 'apply') return this.apply(rt, namespace, name, patch, opts);
    const old = this.get(rt, namespace, name);
    let next: unknown;
    try {
      if (type === 'json') next = applyJsonPatch(old, patch);
      else if (type === 'merge') next = applyMergePatch(old, patch);
      else next = applyStrategicMergePatch(old, patch, rt.kind);
    } catch (e) {
      if (e instanceof PatchError) throw new ApiError(422, 'Invalid', e.message);
      throw e;
    }
    const obj = this.decode(rt, namespace, next, true); // the patch functions return a new object
    // A resourceVersion inside the patch is a precondition: Patroni's leader lock depends on it.
    if (obj.metadata.resourceVersion !== old.metadata.resourceVersion) throw conflict(rt, name);
    return this.commitUpdate(rt, old, obj, opts);
  }

  private apply(rt: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions): KubeObject {
    if (!opts.fieldManager) {
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    const applied = this.decode(rt, namespace, body);
    if (applied.metadata.name && applied.metadata.name !== name) {
      throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
    }
    applied.metadata.name = name;
    const old = this.find(rt, namespace, name);
    if (!old) return this.create(rt, namespace, applied, { ...opts, apply: true });
    const last = this.applied.get(old.metadata.uid!)?.get(opts.fieldManager);
    const merged = applyServerSideApply(old, applied, last, rt.kind, rt.custom) as KubeObject;
    if (applied.metadata.resourceVersion && applied.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(rt, name);
    }
    merged.metadata.resourceVersion = old.metadata.resourceVersion;
    const result = this.commitUpdate(rt, old, this.decode(rt, namespace, merged), opts);
    if (!opts.dryRun) this.rememberApplied(result, opts.fieldManager, applied);
    return result;
  }

  private rememberApplied(o: KubeObject, manager: string, applied: KubeObject): void {
    let m = this.applied.get(o.metadata.uid!);
    if (!m) this.applied.set(o.metadata.uid!, (m = new Map()));
    m.set(manager, deepClone(applied));
  }

  /** Shared tail of update and patch: server-owned fields, status rules, generation, admission, no-op. */
  private commitUpdate(rt: ResourceType, old: KubeObject, obj: KubeObject, opts: WriteOptions): KubeObject {
    let next = obj;
    if (opts.subresource === 'status') {
      // Only .status comes from the request; everything else stays as stored.
      next = { ...deepClone(old), status: obj.status };
      if (obj.status === undefined) delete next.status;
    } else if (rt.statusSubresource) {
      if (old.status === undefined) delete next.status;
      else next.status = deepClone(old.status);
    }
    const m = next.metadata;
    const om = old.metadata;
    m.name = om.name;
    m.namespace = om.namespace;
    m.uid = om.uid;
    m.creationTimestamp = om.creationTimestamp;
    m.resourceVersion = om.resourceVersion;
    if (om.deletionTimestamp) {
      m.deletionTimestamp = om.deletionTimestamp;
      m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
      const added = (m.finalizers ?? []).filter((f) => !(om.finalizers ?? []).includes(f));
      if (added.length) {
        throw invalid(rt, om.name!, [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}` }]);
      }
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (m.generateName === undefined && om.generateName !== undefined) m.generateName = om.generateName;
    if (m.finalizers?.length === 0) delete m.finalizers;

    if (!rt.custom) next = carryOverOnUpdate(rt.kind, next, old);
    next = this.admit(rt, next, old, opts);
    // Compared after pruning and defaulting, as the real server decodes before its strategy
    // looks: a field the schema drops is no spec change (else every re-apply bumps generation).
    if (rt.tracksGeneration) next.metadata.generation = (om.generation ?? 1) + (specChanged(old, next) ? 1 : 0);
    else delete next.metadata.generation;
    if (rt.kind === 'CustomResourceDefinition') next = this.establishCrd(next);
    if (deepEqual(next, old)) return old; // no-op: no new resourceVersion, no watch event
    if (opts.dryRun) return this.present(rt, next);

    next.metadata.resourceVersion = String(this.store.nextRv());
    const key = storageKey(rt);
    // The last finalizer gone completes a deletion; a graceful one (a pod its kubelet still stops) waits for grace 0.
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length && !(next.metadata.deletionGracePeriodSeconds! > 0)) {
      this.store.remove(key, next);
      this.afterRemove(rt, next);
    } else {
      this.store.put(key, next);
      if (rt.kind === 'CustomResourceDefinition') this.catalog.registerCrd(next);
    }
    return this.present(rt, next);
  }

  /** Defaulting and validation, built-in kinds by their strategies, custom ones by their schema. */
  private admit(rt: ResourceType, obj: KubeObject, old: KubeObject | undefined, opts: WriteOptions): KubeObject {
    let errors: FieldError[];
    let next = obj;
    if (rt.custom) {
      // `obj` is the registry's own decoded copy; Strict needs it unpruned to name the unknown fields.
      if (rt.schema) next = pruneAndDefault(next, rt.schema, { inPlace: opts.fieldValidation !== 'Strict' }) as KubeObject;
      if (opts.fieldValidation === 'Strict') {
        const unknown = removedPaths(obj, next, '');
        if (unknown.length) {
          const list = unknown.map((p) => `unknown field "${p}"`).join(', ');
          throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${list}`);
        }
      }
      errors = [...nameErrors(next), ...metaErrors(next.metadata), ...(rt.schema ? validateSchema(next, rt.schema) : [])];
    } else {
      next = defaultObject(rt.kind, next, { allocateClusterIP: () => this.allocateClusterIP() });
      errors = old ? validateUpdate(rt.kind, next, old) : validateCreate(rt.kind, next);
    }
    if (errors.length) throw invalid(rt, next.metadata.name ?? '', errors);
    return next;
  }

  private allocateClusterIP(): string {
    const n = this.clusterIpCounter++;
    return `10.96.${(n >> 8) & 255}.${n & 255}`;
  }

  /** A CRD is accepted and established at once: there is nothing to wait for in memory. */
  private establishCrd(crd: KubeObject): KubeObject {
    const spec = crd.spec as { names?: Record<string, unknown> };
    const now = timestamp(this.clock());
    const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
    const status = {
      acceptedNames: spec.names ?? {},
      storedVersions: ((crd.spec as { versions?: { name: string; storage?: boolean }[] }).versions ?? [])
        .filter((v) => v.storage)
        .map((v) => v.name),
      conditions: [
        cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
    };
    const old = crd.status as { conditions?: unknown[] } | undefined;
    // Keep the old transition times when nothing changed, so re-applies are no-ops.
    if (old && deepEqual({ ...status, conditions: undefined }, { ...old, conditions: undefined })) return crd;
    return { ...crd, status };
  }

  /** Turns a request body into a stored-object candidate, checking what the URL fixes. */
  decode(rt: ResourceType, namespace: string | undefined, body: unknown, owned = false): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw badRequest(`Object '${rt.kind}' is missing in the request body: expected a JSON object`);
    }
    // stripNulls copies as it goes; a custom object keeps its nulls for the schema's nullable rules.
    const obj = (rt.custom ? (owned ? body : deepClone(body)) : stripNulls(body)) as KubeObject;
    const apiVersion = apiVersionOf(rt);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion && !(rt.custom && String(obj.apiVersion).startsWith(`${rt.group}/`))) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${rt.kind})`);
    }
    obj.apiVersion = apiVersion;
    obj.kind = rt.kind;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    // Wrong metadata types would reach the GC's indexes and the selectors, and crash them later.
    const typeError = metadataTypeError(obj.metadata, rt.kind);
    if (typeError) throw badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${typeError}`);
    const meta = obj.metadata;
    const refErrors = ownerReferenceErrors(meta);
    if (refErrors.length) throw invalid(rt, typeof meta.name === 'string' ? meta.name : '', refErrors);
    if (rt.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = namespace;
    } else {
      delete meta.namespace;
    }
    if (meta.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
    if (meta.annotations && Object.keys(meta.annotations).length === 0) delete meta.annotations;
    return obj;
  }

  // ---- removal (used by deletion.ts) ---------------------------------------------------------

  /** Writes the final DELETED event for an object whose finalizers are all gone. */
  removeNow(rt: ResourceType, o: KubeObject): KubeObject {
    const tombstone = { ...o, metadata: { ...o.metadata, resourceVersion: String(this.store.nextRv()) } };
    this.store.remove(storageKey(rt), tombstone);
    this.afterRemove(rt, tombstone);
    return this.present(rt, tombstone);
  }

  /** Writes an object as the server itself (GC, namespace controller), bypassing admission. */
  writeAsServer(rt: ResourceType, next: KubeObject): KubeObject {
    next.metadata.resourceVersion = String(this.store.nextRv());
    this.store.put(storageKey(rt), next);
    return next;
  }

  private afterRemove(rt: ResourceType, o: KubeObject): void {
    this.applied.delete(o.metadata.uid!);
    if (rt.kind === 'CustomResourceDefinition') this.removeCustomObjects(o);
    for (const hook of this.deletionHooks) hook(rt, o);
  }

  /**
   * A deleted CRD takes its objects with it. The real server holds the CRD
   * behind a cleanup finalizer meanwhile; here the objects go at once.
   */
  private removeCustomObjects(crd: KubeObject): void {
    const spec = crd.spec as { group: string; names: { plural: string } };
    const rt = this.catalog.all().find((r) => r.custom && r.group === spec.group && r.plural === spec.names.plural);
    if (rt) for (const o of this.store.list(storageKey(rt))) this.removeNow(rt, o);
    this.catalog.unregisterCrd(crd);
  }
}

/** Fields present before pruning and gone after it: what a Strict request calls unknown. */
function removedPaths(before: unknown, after: unknown, prefix: string): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    return before.flatMap((v, i) => removedPaths(v, after[i], `${prefix}[${i}]`));
  }
  if (!before || typeof before !== 'object' || Array.isArray(before) || !after || typeof after !== 'object') return [];
  const a = after as Record<string, unknown>;
  return Object.entries(before as Record<string, unknown>).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return k in a ? removedPaths(v, a[k], path) : [path];
  });
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Custom objects' names must be DNS-1123 subdomains, like every other object's. */
function nameErrors(o: KubeObject): FieldError[] {
  const name = o.metadata.name ?? '';
  if (NAME_RE.test(name) && name.length <= 253) return [];
  return [{
    reason: 'FieldValueInvalid',
    field: 'metadata.name',
    message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  }];
}

/** encoding/json's name for the JSON type of a value. */
function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What decoding into ObjectMeta would reject, in encoding/json's words; undefined when it decodes. */
function metadataTypeError(meta: unknown, kind: string): string | undefined {
  const bad = (v: unknown, field: string, goType: string, struct = 'ObjectMeta') =>
    `json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${struct}.metadata.${field} of type ${goType}`;
  if (!isPlainObject(meta)) return `json: cannot unmarshal ${jsonTypeName(meta)} into Go struct field ${kind}.metadata of type v1.ObjectMeta`;
  for (const f of ['name', 'generateName', 'namespace', 'resourceVersion']) {
    if (meta[f] != null && typeof meta[f] !== 'string') return bad(meta[f], f, 'string');
  }
  for (const f of ['labels', 'annotations']) {
    const m = meta[f];
    if (m == null) continue;
    if (!isPlainObject(m)) return bad(m, f, 'map[string]string');
    const v = Object.values(m).find((x) => typeof x !== 'string');
    if (v !== undefined) return bad(v, f, 'string');
  }
  const fins = meta.finalizers;
  if (fins != null && !Array.isArray(fins)) return bad(fins, 'finalizers', '[]string');
  const fin = Array.isArray(fins) ? fins.find((x) => typeof x !== 'string') : undefined;
  if (fin !== undefined) return bad(fin, 'finalizers', 'string');
  const refs = meta.ownerReferences;
  if (refs == null) return undefined;
  if (!Array.isArray(refs)) return bad(refs, 'ownerReferences', '[]v1.OwnerReference');
  for (const r of refs) {
    if (!isPlainObject(r)) return bad(r, 'ownerReferences', 'v1.OwnerReference');
    for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
      if (r[f] != null && typeof r[f] !== 'string') return bad(r[f], `ownerReferences.${f}`, f === 'uid' ? 'types.UID' : 'string', 'OwnerReference');
    }
    for (const f of ['controller', 'blockOwnerDeletion']) {
      if (r[f] != null && typeof r[f] !== 'boolean') return bad(r[f], `ownerReferences.${f}`, 'bool', 'OwnerReference');
    }
  }
  return undefined;
}

/** apimachinery's validateOwnerReference: the garbage collector needs all four fields. */
function ownerReferenceErrors(meta: KubeObject['metadata']): FieldError[] {
  const errors: FieldError[] = [];
  for (const r of meta.ownerReferences ?? []) {
    const version = (r.apiVersion ?? '').split('/').pop() ?? '';
    const need: [string, string, string][] = [
      ['apiVersion', version, 'version'],
      ['kind', r.kind ?? '', 'kind'],
      ['name', r.name ?? '', 'name'],
      ['uid', r.uid ?? '', 'uid'],
    ];
    for (const [field, value, what] of need) {
      if (value) continue;
      const shown = field === 'apiVersion' ? (r.apiVersion ?? '') : value;
      errors.push({ reason: 'FieldValueInvalid', field: `metadata.ownerReferences.${field}`, message: `Invalid value: "${shown}": ${what} must not be empty` });
    }
  }
  return errors;
}
