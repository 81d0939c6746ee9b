// "Does the live object already say what we want?" The API server adds
// defaults (dnsPolicy, clusterIP, protocol, ...) and may rewrite quantities
// ("0.5" as "500m"), so desired fields must be found in the live object with
// equal meaning; fields we do not set are not ours to judge. Quantities are
// compared by value only where Kubernetes keeps quantities (resources, size
// limits): elsewhere "1k" and "1000" are two different strings.
import { parseQuantity } from '../model/quantity.ts';

const QUANTITY_KEYS = new Set(['resources', 'sizeLimit']);

export function contains(actual: unknown, desired: unknown, quantities = false): boolean {
  if (desired === undefined) return true;
  if (desired === null) return actual === null || actual === undefined;
  // Go's omitempty drops "", [] and {} on the way into storage.
  if (actual === undefined && isEmpty(desired)) return true;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    return desired.every((d, i) => contains(actual[i], d, quantities));
  }
  if (typeof desired === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => contains(a[k], v, quantities || QUANTITY_KEYS.has(k)));
  }
  if (actual === desired) return true;
  if (quantities && typeof actual === 'string' && typeof desired === 'string') {
    const qa = parseQuantity(actual);
    const qd = parseQuantity(desired);
    return qa !== undefined && qd !== undefined && Math.abs(qa - qd) <= Math.abs(qd) * 1e-9;
  }
  return false;
}

function isEmpty(v: unknown): boolean {
  if (v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** Map equality for selectors, where an extra key changes what is selected */
export function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  return ka.length === kb.length && ka.every((k) => a![k] === b?.[k]);
}

export function sameSet(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const sa = [...(a ?? [])].sort();
  const sb = [...(b ?? [])].sort();
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}
