// meta.k8s.io/v1 Table responses, the form `kubectl get` asks for. kubectl
// prints the cells verbatim, so the server renders them: custom resources by
// their CRD's additionalPrinterColumns (JSONPath, as the apiextensions table
// convertor evaluates it), built-in kinds by computed columns that follow
// kube-apiserver's printers (always the wide set; kubectl hides priority > 0).
import type { KubeObject, PrinterColumn } from './types.ts';

/** A printer column; `cell` computes the value, otherwise `jsonPath` is evaluated like a CRD column. */
export interface TableColumn extends PrinterColumn {
  cell?: (obj: KubeObject, now: Date) => unknown;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object: { kind: 'PartialObjectMetadata'; apiVersion: 'meta.k8s.io/v1'; metadata: KubeObject['metadata'] };
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const CREATION_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DOC,
  jsonPath: '.metadata.name',
  cell: (o) => o.metadata.name ?? '',
};

/** What a CRD without additionalPrinterColumns serves (apiextensions' serveDefaultColumnsIfEmpty). */
const CRD_DEFAULT_COLUMNS: TableColumn[] = [
  { name: 'Age', type: 'date', description: CREATION_DOC, jsonPath: '.metadata.creationTimestamp' },
];

/**
 * The Table for `objects`: a Name column first (unless the columns carry their
 * own `format: name` column, as Event's do), then `columns`; an empty column
 * list gets the Age column a CRD without printer columns gets.
 */
export function toTable(objects: KubeObject[], columns: readonly TableColumn[], listMeta: TableListMeta, now: Date): Table {
  const given = columns.length ? columns : CRD_DEFAULT_COLUMNS;
  const all = given.some((c) => c.format === 'name') ? given : [NAME_COLUMN, ...given];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: {
      resourceVersion: listMeta.resourceVersion,
      ...(listMeta.continue ? { continue: listMeta.continue } : {}),
      ...(listMeta.remainingItemCount ? { remainingItemCount: listMeta.remainingItemCount } : {}),
    },
    columnDefinitions: all.map(definition),
    rows: objects.map((o) => ({
      cells: all.map((c) => (c.cell ? c.cell(o, now) : jsonPathCell(c, o, now))),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}

function definition(c: TableColumn): TableColumnDefinition {
  return {
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
    priority: c.priority ?? 0,
  };
}

// ---------------------------------------------------------------- durations

/** k8s.io/apimachinery duration.HumanDuration: `5s`, `3m2s`, `4h`, `2d3h`, `45d`, `3y120d`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an RFC 3339 time; undefined when absent, the zero time, or unparsable. */
export function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string' || !RFC3339.test(v)) return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) || v.startsWith('0001-01-01T00:00:00') ? undefined : t;
}

/** printers' translateTimestampSince. */
export function since(v: unknown, now: Date): string {
  const t = parseTime(v);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

// ---------------------------------------------------------------- JSONPath cells

type Segment = { key: string } | { index: number } | { all: true };

const parsedPaths = new Map<string, Segment[] | null>();

/** The JSONPath subset CRD columns use: `.a.b`, `[0]`, `[-1]`, `[*]`, `.*`, `['key']`, `\.` inside keys. */
function parsePath(path: string): Segment[] | null {
  let cached = parsedPaths.get(path);
  if (cached === undefined) {
    cached = parse(path.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, ''));
    parsedPaths.set(path, cached);
  }
  return cached;
}

function parse(src: string): Segment[] | null {
  const out: Segment[] = [];
  let i = 0;
  while (i < src.length) {
    if (src[i] === '.') {
      let key = '';
      for (i++; i < src.length && src[i] !== '.' && src[i] !== '['; i++) {
        if (src[i] === '\\' && i + 1 < src.length) i++;
        key += src[i];
      }
      if (key) out.push(key === '*' ? { all: true } : { key });
      continue;
    }
    const m = /^\[\s*(?:(-?\d+)|(\*)|'([^']*)'|"([^"]*)")\s*\]/.exec(src.slice(i));
    if (!m) return null;
    out.push(m[1] !== undefined ? { index: Number(m[1]) } : m[2] ? { all: true } : { key: m[3] ?? m[4] });
    i += m[0].length;
  }
  return out;
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function step(values: unknown[], seg: Segment): unknown[] {
  const next: unknown[] = [];
  for (const v of values) {
    if ('key' in seg) {
      if (isRecord(v) && Object.hasOwn(v, seg.key) && v[seg.key] !== undefined) next.push(v[seg.key]);
    } else if ('index' in seg) {
      const i = seg.index < 0 && Array.isArray(v) ? v.length + seg.index : seg.index;
      if (Array.isArray(v) && i >= 0 && i < v.length) next.push(v[i]);
    } else if (Array.isArray(v)) next.push(...v);
    else if (isRecord(v)) next.push(...Object.keys(v).sort().map((k) => v[k]));
  }
  return next;
}

/** Go's json.Marshal: sorted keys, HTML characters escaped. */
const goJson = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    isRecord(val) ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val,
  )
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');

/** fmt's %v of a float64, as jsonpath prints non-integral numbers. */
function goFloat(x: number): string {
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  if (x === 0 || (exp >= -4 && exp < 6)) return String(x);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** How the jsonpath printer renders a value in a `string` column. */
function printed(v: unknown): string {
  if (v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : goFloat(v);
  if (typeof v === 'boolean') return String(v);
  return goJson(v);
}

/** The apiextensions table convertor: first JSONPath result, rendered by column type; missing → null. */
function jsonPathCell(c: TableColumn, obj: KubeObject, now: Date): unknown {
  const segments = parsePath(c.jsonPath);
  if (!segments) return null;
  const results = segments.reduce<unknown[]>(step, [obj]);
  if (!results.length) return null;
  const value = results[0];
  if (c.type === 'string') return printed(value);
  return typedCell(c.type, value, now);
}

function typedCell(type: string, value: unknown, now: Date): unknown {
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? dateCell(value, now) : null;
    default:
      return null;
  }
}

function dateCell(value: string, now: Date): string {
  if (value === '' || value === 'null') return '<unknown>';
  if (!RFC3339.test(value) || Number.isNaN(Date.parse(value))) return '<invalid>';
  return since(value, now);
}
