// The patch formats the API server accepts: JSON merge patch (RFC 7386), JSON
// patch (RFC 6902), strategic merge patch (strategic-merge.ts) and an
// approximation of server-side apply. All pure: inputs are never mutated.
import { strategicMerge } from './strategic-merge.ts';
import type { KubeObject } from './types.ts';

/** A patch that cannot apply; the server answers 422 with its message. */
export class PatchError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const deepClone = <T>(x: T): T => (x === undefined ? x : structuredClone(x));

/** Structural equality in which map key order does not matter and undefined keys are absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepClone(patch);
  const out: Obj = isObj(target) ? deepClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

interface Op {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`json patch path "${path}" must start with "/"`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The container holding the last segment of `path`, which must exist. */
function parentOf(doc: unknown, segs: string[], path: string): Obj | unknown[] {
  let cur: unknown = doc;
  for (const s of segs.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(s)] : isObj(cur) ? cur[s] : undefined;
    if (cur === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  if (!isObj(cur) && !Array.isArray(cur)) throw new PatchError(`doc is missing path: "${path}": missing value`);
  return cur;
}

function index(arr: unknown[], s: string, path: string, forAdd: boolean): number {
  const i = s === '-' && forAdd ? arr.length : Number(s);
  if (!Number.isInteger(i) || i < 0 || i > arr.length || (!forAdd && i === arr.length)) throw new PatchError(`Unable to access invalid index: ${s} (path ${path})`);
  return i;
}

function get(doc: unknown, path: string): unknown {
  const segs = pointer(path);
  if (!segs.length) return doc;
  const parent = parentOf(doc, segs, path);
  const last = segs[segs.length - 1];
  const v = Array.isArray(parent) ? parent[index(parent, last, path, false)] : parent[last];
  if (v === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`);
  return v;
}

function remove(doc: unknown, path: string): void {
  const segs = pointer(path);
  const parent = parentOf(doc, segs, path);
  const last = segs[segs.length - 1];
  if (Array.isArray(parent)) parent.splice(index(parent, last, path, false), 1);
  else if (!(last in parent)) throw new PatchError(`remove operation does not apply: doc is missing path: "${path}"`);
  else delete parent[last];
}

function add(doc: unknown, path: string, value: unknown, replace: boolean): unknown {
  const segs = pointer(path);
  if (!segs.length) return deepClone(value);
  const parent = parentOf(doc, segs, path);
  const last = segs[segs.length - 1];
  if (Array.isArray(parent)) {
    const i = index(parent, last, path, !replace);
    parent.splice(i, replace ? 1 : 0, deepClone(value));
  } else {
    if (replace && !(last in parent)) throw new PatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
    parent[last] = deepClone(value);
  }
  return doc;
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  let doc = deepClone(target);
  for (const raw of ops) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('json patch operations need string "op" and "path" fields');
    }
    const op = raw as unknown as Op;
    switch (op.op) {
      case 'add':
      case 'replace':
        if (!('value' in op)) throw new PatchError(`${op.op} operation needs a "value"`);
        doc = add(doc, op.path, op.value, op.op === 'replace');
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'copy':
      case 'move': {
        if (typeof op.from !== 'string') throw new PatchError(`${op.op} operation needs a "from"`);
        const value = deepClone(get(doc, op.from));
        if (op.op === 'move') remove(doc, op.from);
        doc = add(doc, op.path, value, false);
        break;
      }
      case 'test':
        if (!deepEqual(get(doc, op.path), op.value)) throw new PatchError(`testing value ${op.path} failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown, _kind: string): unknown {
  return strategicMerge(target, patch);
}

/**
 * Server-side apply, approximated: the applied configuration is merged into the
 * live object (strategic for built-ins, plain for custom resources), and any
 * field this manager applied before but applies no more is removed. No
 * managedFields and no conflicts between managers.
 */
export function applyServerSideApply(live: KubeObject | undefined, applied: KubeObject, lastApplied: KubeObject | undefined, _kind: string, custom: boolean): KubeObject {
  const merged = (custom ? applyMergePatch(live ?? {}, applied) : strategicMerge(live ?? {}, applied)) as Obj;
  if (lastApplied) dropUnapplied(lastApplied, applied, merged);
  return merged as KubeObject;
}

function dropUnapplied(last: unknown, applied: unknown, out: Obj): void {
  if (!isObj(last)) return;
  for (const k of Object.keys(last)) {
    if (!isObj(applied) || !(k in applied)) delete out[k];
    else if (isObj(out[k])) dropUnapplied(last[k], applied[k], out[k] as Obj);
  }
}
