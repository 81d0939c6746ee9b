// Where the sandbox's helper scripts are, the Python that runs them, and what
// their command lines and files need: shell quoting and the members' user.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PATRONI_BIN, postgresUser, runningAsRoot } from '../patroni/preflight.ts';

/** A script of src/sandbox/backup in the checkout or package this code runs from (source under tests, dist/ when bundled). */
export function sandboxScript(name: string): string {
  const script = join('src', 'sandbox', 'backup', name);
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, script))) return join(d, script);
    if (d === dirname(d)) throw new Error(`cannot find ${script} above ${fileURLToPath(import.meta.url)}`);
  }
}

export const walgClient = (): string => sandboxScript('walg-client.py');

/** The Python Patroni runs on (its script's #! line): always there when members can run at all. */
export function python(patroniBin = PATRONI_BIN): string {
  try {
    const m = /^#!\s*(\S+python3?\S*)/.exec(readFileSync(patroniBin, 'utf8').slice(0, 200));
    if (m && existsSync(m[1])) return m[1];
  } catch {
    // not readable: the usual place
  }
  return '/usr/bin/python3';
}

/** One shell word, as patroni.yml's command lines are read by a shell. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The user members run as when we are root (files they read must be theirs); undefined otherwise. */
export const memberUser = (): { uid: number; gid: number } | undefined => (runningAsRoot() ? postgresUser() : undefined);
