// TEMPORARY minimal stand-in (lead); the full module replaces it.
export class SelectorError extends Error {}
type Labels = Record<string, string> | undefined;
export function parseLabelSelector(text: string): (labels: Labels) => boolean {
  const reqs: ((l: Record<string, string>) => boolean)[] = [];
  const parts = text.match(/(?:[^,(]|\([^)]*\))+/g) ?? [];
  for (const raw of parts) {
    const p = raw.trim();
    if (!p) continue;
    let m: RegExpMatchArray | null;
    if ((m = p.match(/^([\w./-]+)\s*(!=)\s*([\w.-]*)$/))) { const [, k, , v] = m; reqs.push((l) => l[k] !== v); }
    else if ((m = p.match(/^([\w./-]+)\s*==?\s*([\w.-]*)$/))) { const [, k, v] = m; reqs.push((l) => l[k] === v); }
    else if ((m = p.match(/^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/))) { const [, k, op, vs] = m; const set = vs.split(',').map((s) => s.trim()); reqs.push(op === 'in' ? (l) => k in l && set.includes(l[k]) : (l) => !(k in l) || !set.includes(l[k])); }
    else if ((m = p.match(/^!([\w./-]+)$/))) { const k = m[1]; reqs.push((l) => !(k in l)); }
    else if ((m = p.match(/^([\w./-]+)$/))) { const k = m[1]; reqs.push((l) => k in l); }
    else throw new SelectorError(`unable to parse requirement: ${p}`);
  }
  return (labels) => reqs.every((r) => r(labels ?? {}));
}
export function parseFieldSelector(text: string, supported: readonly string[]): (obj: Record<string, unknown>) => boolean {
  const reqs: ((o: Record<string, unknown>) => boolean)[] = [];
  for (const raw of text.split(',')) {
    const p = raw.trim();
    if (!p) continue;
    const m = p.match(/^([\w.]+)\s*(!=|==|=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid field selector: ${p}`);
    const [, field, op, value] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !supported.includes(field)) throw new SelectorError(`field label not supported: ${field}`);
    const get = (o: Record<string, unknown>) => { let v: unknown = o; for (const s of field.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s] : undefined; return v === undefined || v === null ? '' : String(v); };
    reqs.push(op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value);
  }
  return (o) => reqs.every((r) => r(o));
}
export function labelSelectorFromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }): (labels: Labels) => boolean {
  return (labels) => {
    const l = labels ?? {};
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
    for (const e of sel.matchExpressions ?? []) {
      const has = e.key in l;
      if (e.operator === 'In' && !(has && (e.values ?? []).includes(l[e.key]))) return false;
      if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
      if (e.operator === 'Exists' && !has) return false;
      if (e.operator === 'DoesNotExist' && has) return false;
    }
    return true;
  };
}
