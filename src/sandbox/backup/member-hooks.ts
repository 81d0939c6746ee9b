// Wires the sandbox's WAL-G stand-in into one member as Spilo wires wal-g:
// writes its "envdir" (a JSON file next to the member's data, readable by the
// member's user only) and returns the patroni.yml parts: archive_command,
// restore_command, a replica method before basebackup, and the clone
// bootstrap when the pod carries CLONE_METHOD=CLONE_WITH_WALE. Every
// command is walg-client.py talking to this process's walg-server.ts.
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupHooks } from '../patroni/config.ts';
import { PATRONI_BIN, postgresUser, runningAsRoot } from '../patroni/preflight.ts';
import { cloneTarget, ownTarget, type WalgConfig } from './walg-env.ts';
import { walgSocket } from './walg-server.ts';

const CLIENT = join('src', 'sandbox', 'backup', 'walg-client.py');

/** walg-client.py in the checkout or package this code runs from (source under tests, dist/ when bundled). */
export function walgClient(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, CLIENT))) return join(d, CLIENT);
    if (d === dirname(d)) throw new Error(`cannot find ${CLIENT} above ${fileURLToPath(import.meta.url)}`);
  }
}

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

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface MemberBackup {
  config: WalgConfig;
  configFile: string;
  /** the command prefix as argv: python, client, socket, --config, file */
  argv: string[];
  hooks: BackupHooks;
}

export interface MemberFacts {
  name: string;
  ip: string;
  pgPort?: number;
  superuser: { username?: string; password: string };
  replication: { username?: string; password: string };
}

/** undefined when the pod configures neither a backup store nor an S3 clone: archive_command stays off, as Spilo's /bin/true. */
export function prepareMemberBackup(env: Record<string, string>, memberDir: string, m: MemberFacts): MemberBackup | undefined {
  const own = ownTarget(env);
  const clone = cloneTarget(env);
  if (!own && !clone) return undefined;
  const config: WalgConfig = {
    ...(own ? { own } : {}),
    ...(clone ? { clone } : {}),
    pg: {
      host: m.ip,
      port: m.pgPort ?? 5432,
      superuser: { username: m.superuser.username ?? 'postgres', password: m.superuser.password },
      replication: { username: m.replication.username ?? 'standby', password: m.replication.password },
    },
    hostname: m.name,
  };
  const dir = join(memberDir, 'walg');
  const configFile = join(dir, 'env.json');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Holds S3 keys and passwords, like Spilo's envdir.
  writeFileSync(configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
  const u = runningAsRoot() ? postgresUser() : undefined;
  // Members run as postgres when we are root: the clone writes its source prefix here.
  if (u) for (const p of [dir, configFile]) chownSync(p, u.uid, u.gid);
  // -S -E: no site packages, no PYTHON* variables: the interpreter starts in milliseconds, whatever the environment.
  const argv = [python(), '-S', '-E', walgClient(), walgSocket(configFile, u), '--config', configFile];
  const command = argv.map(q).join(' ');
  const hooks: BackupHooks = {
    ...(own
      ? {
          archiveCommand: `${command} wal-push "%p"`,
          restoreCommand: `${command} wal-fetch "%f" "%p"`,
          replicaMethod: { name: 'walg_restore', command: `${command} replica-restore` },
        }
      : {}),
    ...(clone
      ? {
          bootstrap: {
            name: 'clone_with_walg',
            command: `${command} clone${clone.targetTime ? ` --recovery-target-time=${q(clone.targetTime)}` : ''}`,
            recoveryConf: {
              restore_command: `${command} wal-fetch --source=clone "%f" "%p"`,
              recovery_target_timeline: env.CLONE_TARGET_TIMELINE || 'latest',
              recovery_target_action: 'promote',
              ...(clone.targetTime ? { recovery_target_time: clone.targetTime } : {}),
              ...(clone.targetTime && ['false', '0', 'no', 'off'].includes((env.CLONE_TARGET_INCLUSIVE ?? '').toLowerCase()) ? { recovery_target_inclusive: 'false' } : {}),
            },
          },
        }
      : {}),
  };
  return { config, configFile, argv, hooks };
}
