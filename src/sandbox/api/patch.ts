// TEMPORARY minimal stand-in (lead); the full module replaces it.
import { strategicMerge } from './strategic-merge.ts';
import type { KubeObject } from './types.ts';
export class PatchError extends Error {}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const deepClone = <T>(x: T): T => (x === undefined ? x : structuredClone(x));
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) { const ka = Object.keys(a).filter((k) => a[k] !== undefined); const kb = Object.keys(b).filter((k) => b[k] !== undefined); return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k])); }
  return false;
}
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return deepClone(patch);
  const out: Record<string, unknown> = isObj(target) ? deepClone(target) : {};
  for (const [k, v] of Object.entries(patch)) { if (v === null) delete out[k]; else out[k] = applyMergePatch(out[k], v); }
  return out;
}
const unesc = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array');
  let doc = deepClone(target);
  for (const op of ops as { op: string; path: string; value?: unknown; from?: string }[]) {
    if (!isObj(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new PatchError('json patch operations need string "op" and "path" fields');
    if (op.path !== '' && !op.path.startsWith('/')) throw new PatchError(`json patch path "${op.path}" must start with "/"`);
    const segs = op.path.split('/').slice(1).map(unesc);
    const last = segs.pop()!;
    let parent: unknown = doc;
    for (const s of segs) { parent = (parent as Record<string, unknown>)?.[s]; if (parent === undefined) throw new PatchError(`doc is missing path: "${op.path}"`); }
    const p = parent as Record<string, unknown>;
    if (op.op === 'add' || op.op === 'replace') { if (Array.isArray(p)) { const a = p as unknown[]; if (last === "-") a.push(op.value); else if (op.op === "add") a.splice(Number(last), 0, op.value); else a[Number(last)] = op.value; } else { if (op.op === 'replace' && !(last in p)) throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}`); p[last] = op.value; } }
    else if (op.op === "remove") { if (Array.isArray(p)) (p as unknown[]).splice(Number(last), 1); else { if (!(last in p)) throw new PatchError(`remove operation does not apply: doc is missing path: "${op.path}"`); delete p[last]; } }
    else if (op.op === 'test') { if (!deepEqual(p[last], op.value)) throw new PatchError(`testing value ${op.path} failed`); }
    else throw new PatchError(`unsupported operation: ${op.op}`);
    if (segs.length === 0 && last === '') doc = op.value;
  }
  return doc;
}
export function applyStrategicMergePatch(target: unknown, patch: unknown, _kind: string): unknown {
  return strategicMerge(target, patch);
}
export function applyServerSideApply(live: KubeObject | undefined, applied: KubeObject, lastApplied: KubeObject | undefined, _kind: string, _custom: boolean): KubeObject {
  let out = (_custom ? applyMergePatch(live ?? {}, applied) : strategicMerge(live ?? {}, applied)) as Record<string, unknown>;
  const drop = (l: unknown, a: unknown, o: Record<string, unknown>) => { if (!isObj(l)) return; for (const k of Object.keys(l)) { if (!isObj(a) || !(k in a)) delete o[k]; else if (isObj(o[k])) drop(l[k], a[k], o[k] as Record<string, unknown>); } };
  if (lastApplied) { out = deepClone(out); drop(lastApplied, applied, out); }
  return out as KubeObject;
}
