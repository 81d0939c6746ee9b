// Checks that this machine can run real members before anything is started,
// so a missing package reads as one clear sentence instead of a spawn error.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export const PATRONI_BIN = '/usr/bin/patroni';
export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
export const SETUP_HINT = 'run `bash scripts/setup.sh test` (it installs postgresql-15 and patroni from Debian)';

export type PreflightResult = { ok: true } | { ok: false; message: string; missing: string[] };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The uid and gid of the `postgres` user, or undefined when there is none. */
export function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

export const runningAsRoot = (): boolean => process.getuid?.() === 0;

export function preflight(opts: { patroniBin?: string; pgBinDir?: string } = {}): PreflightResult {
  const patroni = opts.patroniBin ?? PATRONI_BIN;
  const pgBin = opts.pgBinDir ?? PG_BIN_DIR;
  const missing: string[] = [];
  if (!executable(patroni)) missing.push(`patroni (${patroni})`);
  for (const tool of ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup']) {
    if (!executable(join(pgBin, tool))) missing.push(`${tool} (${join(pgBin, tool)})`);
  }
  // PostgreSQL refuses to run as root: as root, members run as `postgres` through runuser.
  if (runningAsRoot()) {
    if (!postgresUser()) missing.push('the `postgres` user');
    if (!executable('/usr/sbin/runuser') && !executable('/usr/bin/runuser')) missing.push('runuser (util-linux)');
  }
  if (missing.length === 0) return { ok: true };
  return { ok: false, missing, message: `cannot run Patroni members here: missing ${missing.join(', ')}; ${SETUP_HINT}` };
}
