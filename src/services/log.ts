// JSON log lines for the daemon: one object per line with time, level,
// message and keys such as cluster. Values under keys that smell of secrets,
// at any depth, and strings that look like credentials are masked (log-mask.ts),
// so a careless field never leaks a password into the logs.
import { maskFields, scrubString } from './log-mask.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(opts: { level?: Level; write?: (line: string) => void; base?: Record<string, unknown> } = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stdout.write(line));
  const base = opts.base ?? {};
  const emit = (level: Level, msg: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < min) return;
    const entry = { ts: new Date().toISOString(), level, msg: scrubString(msg), ...maskFields(base), ...maskFields(fields) };
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}
