// Wires the sandbox's WAL-G stand-in into one member as Spilo wires wal-g:
// writes its "envdir" (a JSON file next to the member's data, readable by the
// member's user only) and returns the patroni.yml parts: archive_command,
// restore_command, a replica method before basebackup, and the clone
// bootstrap when the pod carries CLONE_METHOD=CLONE_WITH_WALE (or, with
// CLONE_WITH_BASEBACKUP, clone-basebackup.ts's copy of the running source).
// Every WAL-G command is walg-client.py talking to this process's walg-server.ts.
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupHooks } from '../patroni/config.ts';
import { cloneWithBasebackup } from './clone-basebackup.ts';
import { memberUser, python, shellQuote as q, walgClient } from './scripts.ts';
import { cloneTarget, ownTarget, type WalgConfig } from './walg-env.ts';
import { walgSocket } from './walg-server.ts';


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

/** undefined when the pod configures neither a backup store nor a clone: archive_command stays off, as Spilo's /bin/true. */
export function prepareMemberBackup(env: Record<string, string>, memberDir: string, m: MemberFacts): MemberBackup | undefined {
  const own = ownTarget(env);
  const clone = cloneTarget(env);
  const copy = cloneWithBasebackup(env, memberDir);
  if (!own && !clone && !copy) return undefined;
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
  const u = memberUser();
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
    ...(copy ? { bootstrap: copy } : {}),
  };
  return { config, configFile, argv, hooks };
}
