// Label and field selectors with the real server's syntax and rules: comma is
// AND; =, ==, !=, in, notin, exists and !exists for labels; =, ==, != for the
// fields a kind supports. A selector that does not parse is a 400.

export class SelectorError extends Error {}

type Labels = Record<string, string> | undefined;
type Requirement = (labels: Record<string, string>) => boolean;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): string {
  const name = k.slice(k.lastIndexOf('/') + 1);
  if (!KEY.test(k) || name.length > 63) throw new SelectorError(`unable to parse requirement: invalid label key "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return k;
}

function checkValue(v: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return v;
}

/** Splits on commas that are not inside a (set). */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) throw new SelectorError(`unable to parse requirement: found '${text}', expected: ')'`);
  out.push(cur);
  const trimmed = out.map((t) => t.trim());
  if (trimmed.some((t) => t === '')) throw new SelectorError(`found ',', expected: !, identifier, or 'end of string' in "${text}"`);
  return trimmed;
}

function requirement(t: string): Requirement {
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^(\S+?)\s+(in|notin)\s*\((.*)\)$/))) {
    const [, k, op, list] = m;
    checkKey(k);
    const set = list.split(',').map((s) => checkValue(s.trim()));
    return op === 'in' ? (l) => k in l && set.includes(l[k]) : (l) => !(k in l) || !set.includes(l[k]);
  }
  if ((m = t.match(/^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
    const [, k, op, v] = m;
    checkKey(k);
    checkValue(v);
    return op === '!=' ? (l) => l[k] !== v : (l) => l[k] === v;
  }
  if ((m = t.match(/^!\s*(\S+)$/))) {
    const k = checkKey(m[1]);
    return (l) => !(k in l);
  }
  if ((m = t.match(/^(\S+)$/))) {
    const k = checkKey(m[1]);
    return (l) => k in l;
  }
  throw new SelectorError(`unable to parse requirement: "${t}"`);
}

export function parseLabelSelector(text: string): (labels: Labels) => boolean {
  const reqs = text.trim() === '' ? [] : terms(text).map(requirement);
  return (labels) => reqs.every((r) => r(labels ?? {}));
}

function fieldValue(obj: Record<string, unknown>, path: string): string {
  let v: unknown = obj;
  for (const s of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

export function parseFieldSelector(text: string, supported: readonly string[]): (obj: Record<string, unknown>) => boolean {
  const reqs: ((o: Record<string, unknown>) => boolean)[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    if (!t) continue;
    const m = t.match(/^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${t}'; can't understand '${t}'`);
    const [, field, op, value] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !supported.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    reqs.push(op === '!=' ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value);
  }
  return (o) => reqs.every((r) => r(o));
}

export interface ObjectSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The selector form Deployments, StatefulSets and PDBs carry; empty matches everything. */
export function labelSelectorFromObject(sel: ObjectSelector): (labels: Labels) => boolean {
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
      const has = e.key in l;
      const inValues = has && (e.values ?? []).includes(l[e.key]);
      if (e.operator === 'In' && !inValues) return false;
      if (e.operator === 'NotIn' && inValues) return false;
      if (e.operator === 'Exists' && !has) return false;
      if (e.operator === 'DoesNotExist' && has) return false;
    }
    return true;
  };
}
