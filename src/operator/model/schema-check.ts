// The CRD's structural checks on a manifest, done by the operator itself
// before Zalando's rules: types, int32/int64 ranges, formats, enums, bounds
// and required keys, walked from the CRD schema (spec-schema.generated.ts).
// A real API server checks types too, but not int32 ranges, and a manifest
// may come from `zpg render` or an older CRD; Zalando's parser refuses what
// does not fit its Go types. Messages name the field and say what to write.
import type { FieldError } from './validate.ts';

export interface SchemaNode {
  type?: string;
  format?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  required?: string[];
  nullable?: boolean;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [k: string]: unknown;
}

/** Deeper nesting than this is refused: no manifest needs it and recursion has limits. */
export const MAX_NESTING_DEPTH = 1000;

const RANGES: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] };
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a value reads in a message: short, never `[object Object]`. */
export function shown(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isMap(v)) return 'a map';
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const kindName = (v: unknown): string =>
  Array.isArray(v) ? 'a list' : isMap(v) ? 'a map' : typeof v === 'string' ? `the string ${shown(v)}` : typeof v === 'number' ? `the number ${shown(v)}` : `${shown(v)}`;

/** What to write instead, for a field of this schema type. */
function expected(s: SchemaNode, field: string): string {
  const leaf = field.replace(/\[\d+\]$/, '').split('.').pop() ?? field;
  if (s['x-kubernetes-int-or-string']) return 'must be a number or a string';
  switch (s.type) {
    case 'array':
      return `must be a list; write it as a YAML list, e.g. ${leaf}: [ ... ] or one "- item" per line`;
    case 'object':
      return `must be a map of keys to values, e.g. ${leaf}: { key: value }`;
    case 'string':
      return 'must be a string; quote the value';
    case 'integer':
      return 'must be a whole number';
    case 'number':
      return 'must be a number';
    case 'boolean':
      return 'must be true or false';
    default:
      return `must be of type ${s.type}`;
  }
}

function typeFits(v: unknown, s: SchemaNode): boolean {
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v));
  switch (s.type) {
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isMap(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

export interface SchemaCheck {
  errors: FieldError[];
  /** a copy of the value without the parts that failed, so later rules only meet values of the right type */
  clean: unknown;
}

const deeper = (field: string): FieldError => ({ field, message: `is nested deeper than ${MAX_NESTING_DEPTH} levels (the depth limit); flatten it` });

/** Errors of `value` (at `field`) against `schema`, sorted by field; one per field. */
export function checkSchema(value: unknown, schema: SchemaNode, field: string): SchemaCheck {
  const errors: FieldError[] = [];
  const root: { v?: unknown } = {};
  // An explicit stack, not recursion: a manifest nested thousands deep is an error, not a crash.
  const stack: [unknown, SchemaNode, string, number, (x: unknown) => void][] = [[value, schema, field, 0, (x) => (root.v = x)]];
  while (stack.length > 0) {
    const [v, s, at, depth, put] = stack.pop()!;
    if (depth > MAX_NESTING_DEPTH) {
      errors.push(deeper(at));
      continue;
    }
    if (v === null || v === undefined) {
      put(v); // the API server drops nulls it does not keep
      continue;
    }
    if (!typeFits(v, s)) {
      errors.push({ field: at, message: `${expected(s, at)} (found ${kindName(v)})` });
      continue;
    }
    const problem = valueProblem(v, s);
    if (problem) {
      errors.push({ field: at, message: problem });
      continue;
    }
    if (Array.isArray(v)) {
      const copy: unknown[] = [];
      put(copy);
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], s.items ?? {}, `${at}[${i}]`, depth + 1, (x) => (copy[i] = x)]);
    } else if (isMap(v)) {
      const copy: Record<string, unknown> = {};
      put(copy);
      for (const k of s.required ?? []) {
        if (v[k] === undefined || v[k] === null) errors.push({ field: `${at}.${k}`, message: `is required; add ${k} to ${at}` });
      }
      const ap = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
      for (const k of Object.keys(v).reverse()) {
        const child = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : ap;
        stack.push([v[k], child ?? {}, `${at}.${k}`, depth + 1, (x) => (copy[k] = x)]);
      }
    } else put(v);
  }
  errors.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  return { errors, clean: root.v };
}

/** Range, format, enum and bounds of a value whose type fits. */
function valueProblem(v: unknown, s: SchemaNode): string | undefined {
  if (typeof v === 'number') {
    const range = s.format ? RANGES[s.format] : undefined;
    if (range && (v < range[0] || v > range[1])) return `${shown(v)} is out of range for ${s.format}; use a whole number from ${range[0]} to ${range[1]}`;
    if (s.minimum !== undefined && v < s.minimum) return `${shown(v)} is below the minimum; use ${s.minimum} or more`;
    if (s.maximum !== undefined && v > s.maximum) return `${shown(v)} is above the maximum; use ${s.maximum} or less`;
  }
  if (typeof v === 'string' && s.format === 'uuid' && !UUID.test(v)) return `${shown(v)} is not a UUID`;
  if (s.enum?.length && !s.enum.some((e) => e === v)) {
    return `${shown(v)} is not supported; use one of ${[...new Set(s.enum.map((e) => String(e)))].slice(0, 12).join(', ')}`;
  }
  return undefined;
}

/** The deepest nesting of JSON or flow-style YAML text, by its brackets, without parsing it. */
export function textNestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"') quote = c;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}
