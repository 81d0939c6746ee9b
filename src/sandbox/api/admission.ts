// TEMPORARY minimal stand-in (lead); the full module replaces it.
import type { FieldError, KubeObject } from './types.ts';
export function defaultObject(kind: string, obj: KubeObject, ctx: { allocateClusterIP(): string }): KubeObject {
  const o = structuredClone(obj) as KubeObject & Record<string, Record<string, unknown>>;
  if (kind === 'Secret') { o.type ??= 'Opaque' as never; const sd = o.stringData; if (sd) { o.data = { ...(o.data ?? {}) }; for (const [k, v] of Object.entries(sd)) o.data[k] = Buffer.from(String(v)).toString('base64'); delete (o as Record<string, unknown>).stringData; } }
  if (kind === 'Service') { o.spec ??= {}; o.spec.type ??= 'ClusterIP'; if (o.spec.clusterIP === undefined && o.spec.type !== 'ExternalName') o.spec.clusterIP = ctx.allocateClusterIP(); }
  if (kind === 'Namespace') { o.spec ??= {}; o.spec.finalizers ??= ['kubernetes']; o.status ??= {}; o.status.phase ??= 'Active'; }
  if (kind === 'Pod') { o.status ??= {}; o.status.phase ??= 'Pending'; }
  return o;
}
export function validateCreate(_kind: string, _obj: KubeObject): FieldError[] { return []; }
export function validateUpdate(_kind: string, _n: KubeObject, _o: KubeObject): FieldError[] { return []; }
export function carryOverOnUpdate(kind: string, next: KubeObject, old: KubeObject): KubeObject {
  const n = next as KubeObject & { spec?: Record<string, unknown> }; const o = old as KubeObject & { spec?: Record<string, unknown> };
  if (kind === 'Service' && n.spec && o.spec && n.spec.clusterIP === undefined) n.spec.clusterIP = o.spec.clusterIP;
  return n;
}
