// Wires the sandbox's WAL-G stand-in into one member as Spilo wires wal-g:
// writes its "envdir" (a JSON file next to the member's data, readable by the
// member's user only) and returns the patroni.yml parts: archive_command,
// restore_command, a replica method before basebackup, and the clone
// bootstrap when the pod carries CLONE_METHOD=CLONE_WITH_WALE.
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackupHooks } from '../patroni/config.ts';
import { postgresUser, runningAsRoot } from '../patroni/preflight.ts';
import { cloneTarget, ownTarget, type WalgConfig } from './walg-env.ts';

const SCRIPT = join('src', 'sandbox', 'backup', 'walg-cli.ts');

/** walg-cli.ts in the checkout or package this code runs from (source under tests, dist/ when bundled). */
export function walgScript(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, SCRIPT))) return join(d, SCRIPT);
    if (d === dirname(d)) throw new Error(`cannot find ${SCRIPT} above ${fileURLToPath(import.meta.url)}`);
  }
}

/** Node runs the TypeScript script itself; before 23.6 type stripping needs its flag. */
export function nodeArgv(): string[] {
  const [major, minor] = process.versions.node.split('.').map(Number);
  const strip = major < 23 || (major === 23 && minor < 6) ? ['--experimental-strip-types'] : [];
  return [process.execPath, ...strip, '--disable-warning=ExperimentalWarning', walgScript()];
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface MemberBackup {
  config: WalgConfig;
  configFile: string;
  /** the command prefix as argv: node, script, --config, file */
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
  // Members run as postgres when we are root: the archiver and restore commands must read this.
  if (u) for (const p of [dir, configFile]) chownSync(p, u.uid, u.gid);
  const argv = [...nodeArgv(), '--config', configFile];
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
