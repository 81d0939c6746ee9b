// What apiextensions-apiserver (Kubernetes 1.32) does to a custom object with
// the CRD version's structural schema: prune unknown fields, drop or default
// nulls, apply defaults, then validate. Field paths and messages follow
// kube-openapi's validator and apimachinery's field errors word for word,
// because kubectl and client-go users read them verbatim.
import type { FieldError, Json, SchemaProps } from './types.ts';

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSchema = (v: unknown): v is SchemaProps => isObject(v);
const has = (o: JsonObject, k: string): boolean => Object.hasOwn(o, k) && o[k] !== undefined;

/** The declared property `k`, never an inherited one (`constructor`, `toString`, ...). */
function ownProp(s: SchemaProps | undefined, k: string): SchemaProps | undefined {
  const props = s?.properties;
  return props && Object.hasOwn(props, k) ? props[k] : undefined;
}

/** Schema for key `k`: the declared property, else the additionalProperties schema. */
function childSchema(s: SchemaProps | undefined, k: string): SchemaProps | undefined {
  const p = ownProp(s, k);
  if (p) return p;
  const ap = s?.additionalProperties;
  return isSchema(ap) ? ap : undefined;
}

// ---------------------------------------------------------------- pruning & defaulting

const META_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Prune fields the schema does not declare, drop non-nullable nulls without a
 * default, and apply defaults — on a copy, unless the caller owns `obj` and
 * says so (`inPlace`: the registry's freshly decoded objects, which saves a
 * deep copy per write).
 */
export function pruneAndDefault(obj: unknown, schema: SchemaProps, opts: { inPlace?: boolean } = {}): unknown {
  const copy = opts.inPlace ? obj : structuredClone(obj);
  prune(copy, schema, true);
  pruneNulls(copy, schema);
  applyDefaults(copy, schema);
  return copy;
}

/** The resource root and embedded resources keep apiVersion/kind/metadata untouched. */
const keepsMeta = (s: SchemaProps | undefined, root: boolean) => root || s?.['x-kubernetes-embedded-resource'] === true;

/** Drops undeclared keys; under x-kubernetes-preserve-unknown-fields they stay, declared ones are still pruned. */
function prune(x: unknown, s: SchemaProps | undefined, root = false): void {
  const keepUnknown = s?.['x-kubernetes-preserve-unknown-fields'] === true;
  if (Array.isArray(x)) {
    if (s?.items || !keepUnknown) for (const v of x) prune(v, s?.items);
    return;
  }
  if (!isObject(x)) return;
  const meta = keepsMeta(s, root);
  for (const k of Object.keys(x)) {
    if (meta && META_FIELDS.has(k)) continue;
    const child = childSchema(s, k);
    // additionalProperties: true allows the key but gives no schema, so its object values are emptied.
    if (child || s?.additionalProperties === true) prune(x[k], child);
    else if (!keepUnknown) delete x[k];
  }
}

function pruneNulls(x: unknown, s: SchemaProps | undefined): void {
  if (Array.isArray(x)) {
    for (const v of x) pruneNulls(v, s?.items);
    return;
  }
  if (!isObject(x)) return;
  for (const k of Object.keys(x)) {
    const child = childSchema(s, k);
    if (x[k] === null && child && !child.nullable && child.default == null) delete x[k];
    else pruneNulls(x[k], child);
  }
}

const nonNullableNull = (v: unknown, s: SchemaProps) => v === null && !s.nullable;

// Whether a schema node or anything below it has a default: most subtrees have none, and are not walked.
const defaultsBelow = new WeakMap<SchemaProps, boolean>();

function hasDefaults(s: SchemaProps, seen = new Set<SchemaProps>()): boolean {
  const known = defaultsBelow.get(s);
  if (known !== undefined) return known;
  if (seen.has(s)) return false;
  seen.add(s);
  const ap = isSchema(s.additionalProperties) ? s.additionalProperties : undefined;
  const children = [...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : []), ...(ap ? [ap] : [])];
  const found = s.default != null || children.some((c) => hasDefaults(c, seen));
  defaultsBelow.set(s, found);
  return found;
}

function applyDefaults(x: unknown, s: SchemaProps | undefined): void {
  if (!s || !hasDefaults(s)) return;
  if (Array.isArray(x)) {
    const items = s.items;
    if (!items) return;
    for (let i = 0; i < x.length; i++) {
      if (nonNullableNull(x[i], items) && items.default != null) x[i] = structuredClone(items.default);
      applyDefaults(x[i], items);
    }
    return;
  }
  if (!isObject(x)) return;
  if (s.properties) {
    for (const [k, p] of Object.entries(s.properties)) {
      if (p.default == null) continue;
      if (!has(x, k) || nonNullableNull(x[k], p)) x[k] = structuredClone(p.default);
    }
  }
  const ap = isSchema(s.additionalProperties) ? s.additionalProperties : undefined;
  for (const k of Object.keys(x)) {
    const p = ownProp(s, k);
    if (p) applyDefaults(x[k], p);
    else if (ap) {
      if (nonNullableNull(x[k], ap) && ap.default != null) x[k] = structuredClone(ap.default);
      applyDefaults(x[k], ap);
    }
  }
}

// ---------------------------------------------------------------- compiled schema nodes

interface Compiled {
  /** [] when untyped; int-or-string is ["integer","string"] as the server converts it */
  types: string[];
  /** the format as written, only if the server keeps it (unsupported formats are stripped) */
  format?: string;
  formatCheck?: (s: string) => boolean;
  /** undefined: no pattern; null: a pattern JavaScript cannot compile, skipped */
  pattern?: RegExp | null;
  props: [string, SchemaProps][];
}

// Validation runs on every write; compile each schema node once, keyed by identity.
const compiledNodes = new WeakMap<SchemaProps, Compiled>();

function compiled(s: SchemaProps): Compiled {
  let c = compiledNodes.get(s);
  if (!c) {
    c = compile(s);
    compiledNodes.set(s, c);
  }
  return c;
}

function compile(s: SchemaProps): Compiled {
  const types = s['x-kubernetes-int-or-string'] ? ['integer', 'string'] : s.type ? [s.type] : [];
  const normalized = s.format?.replace(/-/g, '');
  const formatCheck = normalized && Object.hasOwn(FORMATS, normalized) ? FORMATS[normalized] : undefined;
  return {
    types,
    format: formatCheck ? s.format : undefined,
    formatCheck,
    pattern: s.pattern === undefined ? undefined : compilePattern(s.pattern),
    props: Object.entries(s.properties ?? {}),
  };
}

/** Go RE2 → JavaScript: most CRD patterns compile with `u`; identity escapes like `\ ` need legacy mode. */
function compilePattern(pattern: string): RegExp | null {
  // \z and \A (not preceded by an escaping backslash) are RE2's text anchors; JS ^ and $ mean the same without `m`.
  let src = pattern
    .replace(/\(\?P</g, '(?<')
    .replace(/(?<!\\)((?:\\\\)*)\\z/g, '$1$$')
    .replace(/(?<!\\)((?:\\\\)*)\\A/g, '$1^');
  let flags = '';
  const inline = /^\(\?([imsU]+)\)/.exec(src);
  if (inline) {
    src = src.slice(inline[0].length);
    flags = inline[1].replace(/U/g, '');
  }
  for (const mode of ['u', '']) {
    try {
      return new RegExp(src, flags + mode);
    } catch {
      // try the next mode
    }
  }
  return null;
}

const rx = (re: RegExp) => (s: string) => re.test(s);
const UUID = (v: string) => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${v}[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$`, 'i');

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

function isCIDR(s: string): boolean {
  const [ip, bits, rest] = s.split('/');
  if (rest !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return isIPv4(ip) ? Number(bits) <= 32 : isIPv6(ip) && Number(bits) <= 128;
}

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

// The formats the CRD schema keeps (apiextensions supportedFormats, "-" removed), checked loosely.
const FORMATS: Record<string, (s: string) => boolean> = {
  bsonobjectid: rx(/^[0-9a-f]{24}$/i),
  uri: rx(/^([a-z][a-z0-9+.-]*:|\/)\S*$/i),
  email: rx(/^[^@\s]+@[^@\s]+$/),
  hostname: rx(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i),
  ipv4: isIPv4,
  ipv6: isIPv6,
  cidr: isCIDR,
  mac: rx(/^([0-9a-f]{2}[:-]){5}([0-9a-f]{2})$|^([0-9a-f]{2}[:-]){7}([0-9a-f]{2})$|^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i),
  uuid: rx(/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i),
  uuid3: rx(UUID('3')),
  uuid4: (s) => UUID('4').test(s) && /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab]/i.test(s),
  uuid5: (s) => UUID('5').test(s) && /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab]/i.test(s),
  isbn: () => true,
  isbn10: () => true,
  isbn13: () => true,
  creditcard: () => true,
  ssn: rx(/^\d{3}[- ]?\d{2}[- ]?\d{4}$/),
  hexcolor: rx(/^#?([0-9a-f]{3}|[0-9a-f]{6})$/i),
  rgbcolor: rx(/^rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\)$/),
  byte: rx(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/),
  password: () => true,
  date: isDate,
  duration: rx(/^[-+]?(\d+(\.\d+)?\s*(ns|us|µs|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)\s*)+$/),
  datetime: rx(/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/),
};

// ---------------------------------------------------------------- Go-style value rendering

const NAMED_ESCAPES: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v',
};

/** strconv.Quote, near enough: Go escapes control characters as \xNN where JSON writes \u00NN. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (NAMED_ESCAPES[ch]) out += NAMED_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** fmt's %v of a float64: shortest digits, exponent form from 1e+06 and below 1e-04. */
function goFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (exp >= -4 && exp < 6) return String(x);
  const sign = exp < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** JSON decoding in the server yields int64 for integral numbers, float64 otherwise. */
const goNumber = (n: number) => (Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? n.toFixed(0) : goFloat(n));

/** %#v of a decoded JSON value, as 1.32's field errors print non-scalar values. */
function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(', ')}}`;
  const o = v as JsonObject;
  const entries = Object.keys(o).sort().map((k) => `${goQuote(k)}:${goSyntax(o[k])}`);
  return `map[string]interface {}{${entries.join(', ')}}`;
}

/** field.Error's rendering of the bad value. */
function badValue(v: unknown): string {
  if (v === null || v === undefined) return '"null"';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return String(v);
  return goSyntax(v);
}

// ---------------------------------------------------------------- field errors

/** kube-openapi names nodes `spec.x`, `.key` at the root's map level, `""` for the root; the server trims one dot. */
const fieldOf = (name: string) => (name === '' || name === '.' ? '<nil>' : name.replace(/^\./, ''));

const required = (name: string): FieldError => ({ reason: 'FieldValueRequired', field: fieldOf(name), message: 'Required value' });

const typeInvalid = (name: string, expected: string, actual: string): FieldError => ({
  reason: 'FieldValueTypeInvalid',
  field: fieldOf(name),
  message: `Invalid value: ${goQuote(actual)}: ${name} in body must be of type ${expected}: ${goQuote(actual)}`,
});

const invalid = (name: string, value: unknown, detail: string): FieldError => ({
  reason: 'FieldValueInvalid',
  field: fieldOf(name),
  message: `Invalid value: ${badValue(value)}: ${detail}`,
});

/** anyOf/oneOf/allOf/not failures are not field errors upstream, so the server reports them at a nil path. */
const composite = (detail: string): FieldError => ({ reason: 'FieldValueInvalid', field: '<nil>', message: `Invalid value: "": ${detail}` });

function notSupported(name: string, value: unknown, allowed: Json[]): FieldError {
  const values = allowed.map((a) => goQuote(typeof a === 'string' ? a : JSON.stringify(a)));
  return { reason: 'FieldValueNotSupported', field: fieldOf(name), message: `Unsupported value: ${badValue(value)}: supported values: ${values.join(', ')}` };
}

const tooLong = (name: string, max: number): FieldError => ({
  reason: 'FieldValueTooLong',
  field: fieldOf(name),
  message: `Too long: may not be more than ${max} bytes`,
});

const tooMany = (name: string, actual: number, max: number): FieldError => ({
  reason: 'FieldValueTooMany',
  field: fieldOf(name),
  message: `Too many: ${actual}: must have at most ${max} items`,
});

// ---------------------------------------------------------------- validation

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/**
 * The server decodes a JSON number as int64 when it can, else as float64; a
 * float64 beyond 2^53 is not taken for an integer. So 1e20 is a "number" and an
 * integer field refuses it (int32/int64 formats are stripped from CRD schemas,
 * so their ranges are not checked: the type is).
 */
const INT64_LIMIT = 2 ** 63;

function kindOf(v: unknown): Kind {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < INT64_LIMIT ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  return Array.isArray(v) ? 'array' : 'object';
}

/** Validate a (pruned, defaulted) object; errors in the order the real server lists them, properties in schema order. */
export function validate(obj: unknown, schema: SchemaProps): FieldError[] {
  const out: FieldError[] = [];
  validateNode(obj, schema, '', out);
  return out;
}

// Same validators in the same order as kube-openapi's SchemaValidator; a type error does not stop the others.
function validateNode(data: unknown, s: SchemaProps, path: string, out: FieldError[]): void {
  const c = compiled(s);
  if (data === null || data === undefined) {
    if (c.types.length && !c.types.includes('null') && !s.nullable) out.push(typeInvalid(path, c.types.join(','), 'null'));
    checkEnum(null, s, path, out);
    return;
  }
  const kind = kindOf(data);
  checkType(kind, c, path, out);
  checkCombinators(data, s, path, out);
  if (typeof data === 'string') {
    checkString(data, s, c, path, out);
    if (c.formatCheck && !c.formatCheck(data)) out.push(typeInvalid(path, c.format ?? '', data));
  }
  if (typeof data === 'number') checkNumber(data, kind === 'integer', s, path, out);
  if (Array.isArray(data)) checkArray(data, s, path, out);
  checkEnum(data, s, path, out);
  if (isObject(data)) checkObject(data, s, c, path, out);
}

function checkType(kind: Kind, c: Compiled, path: string, out: FieldError[]): void {
  if (!c.types.length && !c.format) return;
  const typeOk = c.types.includes(kind) || (kind === 'integer' && c.types.includes('number'));
  const stringish = kind === 'string' || kind === 'array';
  if (!stringish && c.format && !typeOk) {
    // Upstream names the data's Go format here: "int64", "float64", or "" for booleans and objects.
    const goFormat = kind === 'integer' ? 'int64' : kind === 'number' ? 'float64' : '';
    if (goFormat !== c.format) return void out.push(typeInvalid(path, c.format, goFormat));
  }
  // A formatted non-numeric schema accepts any string or array here; the format check decides.
  if (stringish && c.format && !c.types.includes('number') && !c.types.includes('integer')) return;
  if (!typeOk) out.push(typeInvalid(path, c.types.join(','), kind));
}

function checkCombinators(data: unknown, s: SchemaProps, path: string, out: FieldError[]): void {
  if (s.anyOf?.length) checkAnyOf(data, s.anyOf, path, out);
  if (s.oneOf?.length) checkOneOf(data, s.oneOf, path, out);
  if (s.allOf?.length) checkAllOf(data, s.allOf, path, out);
  if (s.not) {
    const r: FieldError[] = [];
    validateNode(data, s.not, path, r);
    if (!r.length) out.push(composite(`${goQuote(path)} must not validate the schema (not)`));
  }
}

function tryEach(data: unknown, schemas: SchemaProps[], path: string): FieldError[][] {
  return schemas.map((sub) => {
    const r: FieldError[] = [];
    validateNode(data, sub, path, r);
    return r;
  });
}

/** The failure kept for the report: fewest errors, first on ties (upstream keeps the best match count). */
const bestFailure = (results: FieldError[][]) =>
  results.reduce((best, r) => (r.length < best.length ? r : best), results[0]);

function checkAnyOf(data: unknown, schemas: SchemaProps[], path: string, out: FieldError[]): void {
  const results: FieldError[][] = [];
  for (const sub of schemas) {
    const [r] = tryEach(data, [sub], path);
    if (!r.length) return;
    results.push(r);
  }
  out.push(composite(`${goQuote(path)} must validate at least one schema (anyOf)`), ...bestFailure(results));
}

function checkOneOf(data: unknown, schemas: SchemaProps[], path: string, out: FieldError[]): void {
  const results = tryEach(data, schemas, path);
  const valid = results.filter((r) => !r.length).length;
  if (valid === 1) return;
  const why = valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`;
  out.push(composite(`${goQuote(path)} must validate one and only one schema (oneOf). ${why}`));
  if (valid === 0) out.push(...bestFailure(results));
}

function checkAllOf(data: unknown, schemas: SchemaProps[], path: string, out: FieldError[]): void {
  const results = tryEach(data, schemas, path);
  for (const r of results) out.push(...r);
  const valid = results.filter((r) => !r.length).length;
  if (valid !== schemas.length) {
    out.push(composite(`${goQuote(path)} must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`));
  }
}

/** Length in code points, as Go's utf8.RuneCount. */
function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

// Upstream stops at the first string failure: maxLength, then minLength, then pattern.
function checkString(data: string, s: SchemaProps, c: Compiled, path: string, out: FieldError[]): void {
  if (s.maxLength !== undefined || s.minLength !== undefined) {
    const len = runeCount(data);
    if (s.maxLength !== undefined && len > s.maxLength) return void out.push(tooLong(path, s.maxLength));
    if (s.minLength !== undefined && len < s.minLength) {
      return void out.push(invalid(path, data, `${path} in body should be at least ${s.minLength} chars long`));
    }
  }
  if (c.pattern && !c.pattern.test(data)) out.push(invalid(path, data, `${path} in body should match '${s.pattern}'`));
}

const isJsonInteger = (x: number) => Math.abs(x - Math.round(x)) <= 1e-9 * Math.max(1, Math.abs(x));

// Integers are compared with truncated bounds and printed as integers, like upstream's int64 path.
function checkNumber(data: number, isInt: boolean, s: SchemaProps, path: string, out: FieldError[]): void {
  const bound = (b: number) => (isInt ? Math.trunc(b) : b);
  const show = (b: number) => (isInt ? goNumber(Math.trunc(b)) : goFloat(b));
  const factor = s.multipleOf;
  if (typeof factor === 'number' && factor > 0) {
    const ok = isInt && Number.isInteger(factor) ? data % factor === 0 : isJsonInteger(factor < 1 ? (1 / factor) * data : data / factor);
    if (!ok) out.push(invalid(path, data, `${path} in body should be a multiple of ${show(factor)}`));
  }
  if (s.minimum !== undefined) {
    const min = bound(s.minimum);
    if (s.exclusiveMinimum ? data <= min : data < min) {
      out.push(invalid(path, data, `${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${show(s.minimum)}`));
    }
  }
  if (s.maximum !== undefined) {
    const max = bound(s.maximum);
    if (s.exclusiveMaximum ? data >= max : data > max) {
      out.push(invalid(path, data, `${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${show(s.maximum)}`));
    }
  }
}

function checkArray(data: unknown[], s: SchemaProps, path: string, out: FieldError[]): void {
  const items = s.items;
  if (items) data.forEach((v, i) => validateNode(v, items, `${path}[${i}]`, out));
  if (s.minItems !== undefined && data.length < s.minItems) {
    out.push(invalid(path, data.length, `${path} in body should have at least ${s.minItems} items`));
  }
  if (s.maxItems !== undefined && data.length > s.maxItems) out.push(tooMany(path, data.length, s.maxItems));
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function checkEnum(data: unknown, s: SchemaProps, path: string, out: FieldError[]): void {
  const allowed = s.enum;
  if (!allowed?.length) return;
  // Upstream never matches a null value, even against a null enum entry.
  if (data !== null && allowed.some((a) => jsonEqual(data, a))) return;
  out.push(notSupported(path, data, allowed));
}

function checkObject(data: JsonObject, s: SchemaProps, c: Compiled, path: string, out: FieldError[]): void {
  const count = s.minProperties !== undefined || s.maxProperties !== undefined ? Object.keys(data).length : 0;
  if (s.minProperties !== undefined && count < s.minProperties) {
    out.push(invalid(path, count, `${path} in body should have at least ${s.minProperties} properties`));
  }
  if (s.maxProperties !== undefined && count > s.maxProperties) out.push(tooMany(path, count, s.maxProperties));
  checkAdditional(data, s, path, out);
  for (const [k, p] of c.props) {
    if (has(data, k)) validateNode(data[k], p, path ? `${path}.${k}` : k, out);
  }
  for (const k of s.required ?? []) {
    if (!has(data, k)) out.push(required(`${path}.${k}`));
  }
}

function checkAdditional(data: JsonObject, s: SchemaProps, path: string, out: FieldError[]): void {
  const ap = s.additionalProperties;
  if (ap === undefined || ap === true) return;
  for (const k of Object.keys(data)) {
    if (ownProp(s, k) || data[k] === undefined) continue;
    if (ap === false) out.push(invalid(path, k, `${path}.${k} in body is a forbidden property`));
    else validateNode(data[k], ap, `${path}.${k}`, out);
  }
}

// ---------------------------------------------------------------- 422 message

/**
 * The Status message of a 422 as apierrors.NewInvalid words it:
 * `postgresql.acid.zalan.do "x" is invalid: [a: ..., b: ...]`, duplicates
 * dropped, no brackets for a single cause.
 */
export function invalidMessage(kind: string, group: string, name: string, errors: FieldError[]): string {
  const head = `${group ? `${kind}.${group}` : kind} ${goQuote(name)} is invalid`;
  const messages = [...new Set(errors.map((e) => `${e.field}: ${e.message}`))];
  if (!messages.length) return head;
  return `${head}: ${messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`}`;
}
