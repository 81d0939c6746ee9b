// `zpg restore logical CLUSTER --backup ID --into TARGET`: one database of a
// logical backup into a new database of TARGET (or over an existing one with
// --force and its name typed, or --yes), ending with every table's row count.
import type { Command } from 'commander';
import type { LogicalRestoreOutcome, LogicalRestoreRequest } from '../../services/tasks/logical-restore.ts';
import { table } from '../format.ts';
import { addS3Flags, runLogicalCommand, type LogicalFlags } from '../logical-task-command.ts';
import { exitWith } from '../task-command.ts';

/** commander's names are the request's; --no-owner arrives as owner: false */
type RestoreLogicalFlags = LogicalFlags & Omit<LogicalRestoreRequest, 'cluster' | 'noOwner'> & { owner?: boolean };

export function registerRestoreLogical(restore: Command): void {
  addS3Flags(
    restore
      .command('logical <cluster>')
      .description('restore one database of a logical backup of CLUSTER into a new database of --into')
      .requiredOption('--backup <id>', 'the backup (zpg backups CLUSTER lists them), or latest')
      .option('--database <name>', 'the database to restore (needed when the backup holds several)')
      .requiredOption('--into <cluster>', 'the cluster to restore into (CLUSTER itself, or another)')
      .option('--target-db <name>', 'the new database (default: <database>_restored_<yyyymmddhhmm of the backup>)')
      .option('--force', 'replace the target database if it exists (asks for its name, or --yes)')
      .option('--uid <uid>', "the source cluster's uid: a deleted cluster's backups (see zpg backups --deleted)")
      .option('--no-owner', 'restore without owners and grants (roles of the source missing on the target)')
      .option('-y, --yes', 'do not ask; needed for --force without a terminal')
      .option('-o, --output <format>', 'json: one JSON record of the task, the source, the target and the row counts'),
  ).action(async (cluster: string, flags: RestoreLogicalFlags, cmd: Command) => {
    const report = (o: unknown) => {
      const x = o as LogicalRestoreOutcome;
      return x.tables.length ? table(['SCHEMA', 'TABLE', 'ROWS'], x.tables.map((t) => [t.schema, t.table, String(t.rows)])) : 'No tables.\n';
    };
    exitWith(
      await runLogicalCommand(
        cmd,
        { kind: 'logical-restore', cluster, backup: flags.backup, database: flags.database, into: flags.into, targetDb: flags.targetDb, force: flags.force, uid: flags.uid, noOwner: flags.owner === false },
        flags,
        report,
      ),
    );
  });
}
