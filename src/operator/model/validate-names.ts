// The name and value rules of Kubernetes and PostgreSQL a manifest must follow
// before anything is written: a real API server refuses objects that break
// them, and PostgreSQL silently truncates identifiers over 63 bytes.

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const PG_IDENTIFIER_MAX_BYTES = 63;
export const OBJECT_NAME_MAX = 253;

export const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

/** A container name (sidecar, init container): a DNS-1123 label. */
export function containerNameProblem(name: string): string | undefined {
  if (name.length > 63) return `"${name}" is ${name.length} characters; a container name has at most 63`;
  if (!DNS1123_LABEL.test(name)) return `"${name}" is not a valid container name; use lower-case letters, digits and "-", starting and ending with a letter or digit`;
  return undefined;
}

/** schedulerName, priorityClassName: DNS-1123 subdomains. */
export function subdomainProblem(value: string, what: string): string | undefined {
  if (value.length > OBJECT_NAME_MAX || !DNS1123_SUBDOMAIN.test(value)) {
    return `"${value}" is not a valid ${what}; use lower-case letters, digits, "-" and ".", at most ${OBJECT_NAME_MAX} characters`;
  }
  return undefined;
}

export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `"${value}" is not a valid label value (it labels every object of the cluster); use at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`;
  }
  return undefined;
}

/** An annotation or label key: [prefix/]name, the prefix a DNS subdomain, the name a qualified name. */
export function qualifiedKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const ok = name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name) && (prefix === undefined || (prefix.length <= OBJECT_NAME_MAX && DNS1123_SUBDOMAIN.test(prefix)));
  if (ok) return undefined;
  return `key "${key}" is not a valid annotation key; use an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" and "."`;
}

/** A role or database name PostgreSQL would truncate. */
export function identifierLengthProblem(name: string, what: string): string | undefined {
  const n = byteLength(name);
  if (n <= PG_IDENTIFIER_MAX_BYTES) return undefined;
  return `the ${what} "${name.slice(0, 20)}..." is ${n} bytes; PostgreSQL truncates names to ${PG_IDENTIFIER_MAX_BYTES} bytes, so shorten it`;
}

/** A real calendar date and time of day (no 30 February, no 25:00). */
export function isRealTimestamp(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/i.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
}

const CRON_FIELDS: [string, number, number][] = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
];

/** The first out-of-range number of a 5-field cron schedule, worded for the user. */
export function cronRangeProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  for (let i = 0; i < CRON_FIELDS.length && i < fields.length; i++) {
    const [what, min, max] = CRON_FIELDS[i]!;
    const base = fields[i]!.split('/')[0]!;
    for (const n of base.split(/[-,]/)) {
      if (n === '*' || n === '') continue;
      if (/^\d+$/.test(n) && (Number(n) < min || Number(n) > max)) return `"${schedule}": ${what} ${n} is out of range ${min}-${max}`;
    }
  }
  return undefined;
}
