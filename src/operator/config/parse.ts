// Reads operator configuration from its two Zalando sources: the
// `postgres-operator` ConfigMap (every value a string: "k1:v1,k2:v2" maps,
// comma lists, Go durations) and the OperatorConfiguration resource (typed
// values grouped in sections). A bad value is a problem naming the key and
// the fix; the caller decides to keep its last good configuration.
import { CRD_GROUPS, CRD_PATH_DEFAULTS, KEYS, TOLERATED_KEYS, type ConfigKey, type KeyKind, type OperatorConfig } from './keys.ts';
import { parseDuration } from './duration.ts';

export interface ConfigProblem {
  key: string;
  message: string;
}

export interface ParsedConfig {
  config: OperatorConfig;
  problems: ConfigProblem[];
  /** keys present in the source that zpg does not know (reported, never fatal) */
  unknown: string[];
}

type Source = 'configmap' | 'crd';
const KIND_HINT: Record<KeyKind, string> = {
  str: 'a string',
  int: 'an integer such as "8"',
  bool: '"true" or "false"',
  dur: 'a duration such as "30s", "5m" or "1h"',
  list: 'a comma-separated list such as "a,b"',
  map: 'a map such as "key1:value1,key2:value2"',
  json: 'an object',
};

/** No configuration object at all: the documented (CRD) defaults, e.g. no master load balancer */
export const defaultConfig = (source: Source = 'crd'): OperatorConfig => build({}, source).config;

export function parseConfigMapData(data: Record<string, unknown> | undefined): ParsedConfig {
  return build(data ?? {}, 'configmap');
}

/** `configuration` of an OperatorConfiguration: top-level keys plus the grouped sections */
export function parseOperatorConfiguration(obj: unknown): ParsedConfig {
  const conf = rec(rec(obj).configuration);
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(conf)) {
    if (CRD_GROUPS.has(k) && v && typeof v === 'object' && !Array.isArray(v)) Object.assign(flat, v);
    else flat[k] = v;
  }
  return build(flat, 'crd');
}

function build(input: Record<string, unknown>, source: Source): ParsedConfig {
  const problems: ConfigProblem[] = [];
  const unknown: string[] = [];
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(KEYS) as ConfigKey[]) {
    const spec = KEYS[key];
    const fallback = source === 'crd' && key in CRD_PATH_DEFAULTS ? CRD_PATH_DEFAULTS[key] : spec.def;
    out[key] = coerce(spec.kind, fallback, 'configmap').value;
  }
  for (const [key, raw] of Object.entries(input)) {
    if (!(key in KEYS)) {
      if (!TOLERATED_KEYS.has(key)) unknown.push(key);
      continue;
    }
    if (raw === null || raw === undefined) continue;
    const kind = KEYS[key as ConfigKey].kind;
    const r = coerce(kind, raw, source);
    if (r.ok) out[key] = r.value;
    else problems.push({ key, message: `${key}: ${JSON.stringify(raw)} is not ${KIND_HINT[kind]}` });
  }
  checkValues(out as OperatorConfig, problems);
  return { config: Object.freeze(out) as OperatorConfig, problems, unknown };
}

/** Constraints beyond the type, as Zalando checks them at start-up */
function checkValues(c: OperatorConfig, problems: ConfigProblem[]): void {
  if (c.workers <= 0) problems.push({ key: 'workers', message: 'workers: must be greater than 0' });
  if (!['ordered_ready', 'parallel'].includes(c.pod_management_policy)) {
    problems.push({ key: 'pod_management_policy', message: 'pod_management_policy: use "ordered_ready" or "parallel"' });
  }
  if (!['OR', 'AND'].includes(c.node_readiness_label_merge)) {
    problems.push({ key: 'node_readiness_label_merge', message: 'node_readiness_label_merge: use "OR" or "AND"' });
  }
  if (c.connection_pooler_user === c.super_username) {
    problems.push({ key: 'connection_pooler_user', message: 'connection_pooler_user: must differ from super_username' });
  }
  for (const [k, v] of Object.entries(c.persistent_volume_claim_retention_policy)) {
    if (!['when_deleted', 'when_scaled'].includes(k) || !['retain', 'delete'].includes(v)) {
      problems.push({
        key: 'persistent_volume_claim_retention_policy',
        message: `persistent_volume_claim_retention_policy: "${k}:${v}" is not valid; use when_deleted|when_scaled : retain|delete`,
      });
    }
  }
  if (!c.secret_name_template.includes('{username}') || !c.secret_name_template.includes('{cluster}')) {
    problems.push({ key: 'secret_name_template', message: 'secret_name_template: must contain {username} and {cluster}' });
  }
}

type Coerced = { ok: true; value: unknown } | { ok: false; value?: undefined };

function coerce(kind: KeyKind, raw: unknown, source: Source): Coerced {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (kind) {
    case 'str':
      return typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? ok(String(raw)) : bad();
    case 'int': {
      const n = typeof text === 'number' ? text : typeof text === 'string' && /^-?\d+$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(n) ? ok(n) : bad();
    }
    case 'bool':
      if (typeof raw === 'boolean') return ok(raw);
      if (typeof text === 'string' && /^(1|t|true)$/i.test(text)) return ok(true);
      if (typeof text === 'string' && /^(0|f|false)$/i.test(text)) return ok(false);
      return bad();
    case 'dur': {
      if (typeof text !== 'string') return bad();
      const ms = parseDuration(text);
      return ms === undefined ? bad() : ok(ms);
    }
    case 'list':
      if (Array.isArray(raw)) return raw.every((x) => typeof x === 'string') ? ok(raw) : bad();
      if (typeof text !== 'string') return bad();
      return ok(text === '' ? [] : text.split(',').map((s) => s.trim()).filter(Boolean));
    case 'map':
      if (raw && typeof raw === 'object' && !Array.isArray(raw) && source === 'crd') {
        return ok(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)])));
      }
      if (raw && typeof raw === 'object' && !Array.isArray(raw)) return ok(raw);
      return typeof text === 'string' ? parseMap(text) : bad();
    case 'json':
      if (typeof raw === 'string' && source === 'configmap') {
        try {
          return ok(raw.trim() === '' ? undefined : JSON.parse(raw));
        } catch {
          return ok(raw);
        }
      }
      return ok(raw);
  }
}

function parseMap(text: string): Coerced {
  const out: Record<string, string> = {};
  if (text === '') return ok(out);
  for (const part of text.split(',')) {
    const i = part.indexOf(':');
    if (i <= 0) return bad();
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return ok(out);
}

const ok = (value: unknown): Coerced => ({ ok: true, value });
const bad = (): Coerced => ({ ok: false });
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
