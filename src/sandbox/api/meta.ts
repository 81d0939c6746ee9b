// Server-owned metadata: names, uids, timestamps, generation. Kept apart from
// the verbs so the rules the real server applies are in one place.
import { randomUUID } from 'node:crypto';
import { deepEqual } from './patch.ts';
import type { KubeObject } from './types.ts';

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName's 5-character suffix, from the same alphabet the real server uses. */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

export const newUid = () => randomUUID();

/** RFC 3339 with second precision, as the real server writes timestamps. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Drops nulls the way decoding into typed Go structs does (Patroni sends `"hostname": null`). */
export function stripNulls<T>(v: T): T {
  if (Array.isArray(v)) return v.filter((x) => x !== null).map(stripNulls) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = stripNulls(x);
    return out as T;
  }
  return v;
}

/** Everything that is not metadata or status: a change here bumps metadata.generation. */
export function specPart(o: KubeObject): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') rest[k] = v;
  return rest;
}

export const specChanged = (a: KubeObject, b: KubeObject) => !deepEqual(specPart(a), specPart(b));
