// Plain-text output for the CLI twins: aligned columns like kubectl's, ages
// like kubectl's, sizes in MB like patronictl's lag column.
import { createRequire } from 'node:module';
import { UsageError } from './errors.ts';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

export function parseOutput(value: string | undefined, allowed: OutputFormat[]): OutputFormat {
  const v = (value ?? 'table') as OutputFormat;
  if (!allowed.includes(v)) throw new UsageError(`-o ${value}: unknown output format; use one of ${allowed.filter((a) => a !== 'table').join(', ')}`);
  return v;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('   ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return `${d}d${h % 24 ? `${h % 24}h` : ''}`;
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** Lag in MB as patronictl prints it; "unknown" when Patroni could not tell. */
export function lagMb(bytes: number | null | undefined): string {
  if (bytes === undefined) return '';
  if (bytes === null) return 'unknown';
  return String(Math.round(bytes / 1048576));
}

export { bytes } from '../services/bytes.ts';

/** PostgreSQL's lag interval in seconds; '-' when it has none (idle) */
export function seconds(s: number | null | undefined): string {
  if (s === undefined || s === null) return '-';
  return s < 10 ? `${s.toFixed(3)}s` : `${Math.round(s)}s`;
}

/** yaml only for -o yaml: a table or JSON must not pay ~15 ms to load it. */
const yaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml');

export function structured(format: 'json' | 'yaml', value: unknown): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : yaml().stringify(value);
}
