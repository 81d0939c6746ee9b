// CLONE_METHOD=CLONE_WITH_BASEBACKUP, as Spilo bootstraps it: a manifest whose
// `clone` has no timestamp copies the running source cluster with
// pg_basebackup (clone-basebackup.py), reaching it by its Service name
// (CLONE_HOST, resolved in pods by the kubelet's hosts file) as the
// replication user, whose password is written to a pgpass file for it.
// Without this the member would initdb an empty cluster: a "clone" with no data.
import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupHooks } from '../patroni/config.ts';
import { PG_BIN_DIR } from '../patroni/preflight.ts';
import { memberUser, python, sandboxScript, shellQuote as q } from './scripts.ts';

/** pgpass fields escape ':' and '\' with a backslash */
const pgpassField = (s: string) => s.replace(/[\\:]/g, (c) => `\\${c}`);

export function cloneWithBasebackup(env: Record<string, string>, memberDir: string, pgBinDir = PG_BIN_DIR): BackupHooks['bootstrap'] | undefined {
  if (env.CLONE_METHOD !== 'CLONE_WITH_BASEBACKUP' || !env.CLONE_HOST) return undefined;
  const port = env.CLONE_PORT || '5432';
  const user = env.CLONE_USER || 'standby';
  const pgpass = join(memberDir, 'clone.pgpass');
  writeFileSync(pgpass, `${[env.CLONE_HOST, port, '*', user, env.CLONE_PASSWORD ?? ''].map(pgpassField).join(':')}\n`, { mode: 0o600 });
  const u = memberUser();
  if (u) chownSync(pgpass, u.uid, u.gid);
  const argv = [python(), '-S', '-E', sandboxScript('clone-basebackup.py'), `--pgpass=${pgpass}`, `--host=${env.CLONE_HOST}`, `--port=${port}`, `--user=${user}`, `--bindir=${pgBinDir}`];
  // no recovery_conf: the copy starts as the new cluster's primary on the source's timeline, as in Spilo
  return { name: 'clone_with_basebackup', command: argv.map(q).join(' ') };
}
