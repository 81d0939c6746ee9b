// Masking for log fields: a key that smells of a secret hides its whole value,
// at any depth; a string that looks like a credential (a password inside a URI
// or a conninfo, a bearer token, a JWT, an AWS key id, a PEM private key) is
// scrubbed wherever it sits, so a secret nested in an error or an object never
// reaches the log.
const SECRET_KEY = /pass(word|wd)?|secret|token|key_id|access_?key|credential|authorization|private_?key/i;
const MASK = '***';
const MAX_DEPTH = 8;

const VALUE_RULES: Array<[RegExp, string]> = [
  // scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${MASK}@`],
  // password=... in a libpq conninfo or a query string; "password": "..." in JSON text
  [/\b((?:pass(?:word|wd)?|secret|token|access_?key|secret_?key)\s*[=:]\s*["']?)[^\s"'&,;}]+/gi, `$1${MASK}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${MASK}`],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, MASK],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, MASK],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, MASK],
];

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function scrubString(s: string): string {
  let out = s;
  for (const [re, to] of VALUE_RULES) out = out.replace(re, to);
  return out;
}

export function maskValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[deep]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: scrubString(value.message) };
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? MASK : maskValue(v, depth + 1, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1, seen));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? MASK : maskValue(v, depth + 1, seen);
  return out;
}

export function maskFields(fields: Record<string, unknown>): Record<string, unknown> {
  return maskValue(fields) as Record<string, unknown>;
}
