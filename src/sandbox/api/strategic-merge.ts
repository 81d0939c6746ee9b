// Strategic merge patch for built-in kinds: maps merge with null deleting a
// key, lists with a patch merge key merge item by item, other lists are
// replaced. The directives kubectl and client-go send are honoured:
// $patch (replace/delete/merge), $retainKeys, $setElementOrder/<list> and
// $deleteFromPrimitiveList/<list>.

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Merge keys by field name, as the Kubernetes API types declare them (patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  env: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ownerReferences: 'uid',
  conditions: 'type',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
};

/** Lists whose items are merged as a set of primitives (finalizers). */
const SET_LISTS = new Set(['finalizers']);

/** Field names whose merge key depends on where they are: a Service's ports merge by port, a container's by containerPort. */
function mergeKeyFor(field: string, path: string[]): string | undefined {
  if (field === 'ports') {
    if (path.at(-1) === 'spec' && path.length <= 2) return 'port'; // Service spec.ports
    if (path.includes('subsets')) return undefined; // Endpoints ports are replaced
    return 'containerPort';
  }
  // Endpoints subsets and tolerations are replaced as a whole: Patroni relies on it.
  return MERGE_KEYS[field];
}

export function strategicMerge(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') return stripDirectives(patch);
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObj(target) ? structuredClone(target) : {};
  const retain = Array.isArray(patch.$retainKeys) ? new Set(patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = (out[field] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(k, out[k], v, [...path, k], patch[`$setElementOrder/${k}`]);
      continue;
    }
    const merged = isObj(v) ? strategicMerge(out[k], v, [...path, k]) : structuredClone(v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
  return out;
}

function mergeList(field: string, current: unknown, patch: unknown[], path: string[], order: unknown): unknown[] {
  const existing = Array.isArray(current) ? current : [];
  if (SET_LISTS.has(field)) return [...existing, ...patch.filter((x) => !existing.includes(x))];
  const key = mergeKeyFor(field, path.slice(0, -1));
  if (!key || !patch.every(isObj)) return stripDirectives(patch) as unknown[];
  if (patch.some((p) => isObj(p) && p.$patch === 'replace')) return stripDirectives(patch.filter((p) => !(isObj(p) && p.$patch === 'replace'))) as unknown[];
  const result = existing.map((x) => structuredClone(x));
  for (const item of patch as Obj[]) {
    const i = result.findIndex((x) => isObj(x) && x[key] === item[key]);
    if (item.$patch === 'delete') {
      if (i >= 0) result.splice(i, 1);
    } else if (i >= 0) {
      result[i] = strategicMerge(result[i], item, path);
    } else {
      result.push(stripDirectives(item));
    }
  }
  return Array.isArray(order) ? ordered(result, order, key) : result;
}

/** $setElementOrder/<list>: the items it names come first, in its order. */
function ordered(items: unknown[], order: unknown[], key: string): unknown[] {
  const keys = order.map((o) => (isObj(o) ? o[key] : o));
  const pos = (x: unknown) => {
    const i = keys.indexOf(isObj(x) ? x[key] : x);
    return i < 0 ? keys.length : i;
  };
  return [...items].sort((a, b) => pos(a) - pos(b));
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}
