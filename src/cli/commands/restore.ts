// `zpg restore`: the restore commands as one group: `logical` (a database from
// a logical backup) and `clone` (a new cluster from base backups and WAL).
import type { Command } from 'commander';
import { registerRestoreLogical } from './restore-logical.ts';
import { registerRestoreClone } from './restore-clone.ts';

export function registerRestore(program: Command): Command {
  const restore = program.command('restore').description('restore from backups: logical (one database from a logical backup), clone (a new cluster at a point in time)');
  registerRestoreLogical(restore);
  registerRestoreClone(restore);
  return restore;
}
