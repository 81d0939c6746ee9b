// The metric names a PromQL expression reads, without promtool: strings,
// label matchers, range/offset durations and grouping label lists are removed;
// what is left as a bare identifier (not a function call, not a keyword) is a
// metric name.
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

export function promqlMetricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\boffset\s+\d+[smhdwy]/g, '');
  const names = new Set<string>();
  for (const m of s.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const after = s.slice(m.index + word.length).trimStart();
    const before = s.slice(0, m.index);
    if (after.startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/[\d.]$/.test(before)) continue; // the exponent of a number such as 1e3
    names.add(word);
  }
  return [...names].sort();
}
