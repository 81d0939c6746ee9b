// `zpg backup logical [CLUSTER]`: a logical backup streamed to S3, as a task
// (the console's "logical backup now" runs the same plan). Without CLUSTER it
// takes SCOPE (and the namespace of its pod), so the operator's logical backup
// CronJob can run it with the environment it already gives the job.
import { Command } from 'commander';
import type { LogicalBackupOutcome } from '../../services/tasks/logical-backup.ts';
import { UsageError } from '../errors.ts';
import { addS3Flags, runLogicalCommand, type LogicalFlags } from '../logical-task-command.ts';
import { exitWith } from '../task-command.ts';

interface BackupFlags extends LogicalFlags {
  format?: string;
  replica?: boolean;
  retention?: string;
}

export function registerBackup(program: Command): void {
  const backup = program.command('backup').description('take backups (see zpg backups for what exists)');
  addS3Flags(
    backup
      .command('logical [cluster]')
      .description("stream a logical backup to S3: a set (pg_dump -Fc per database + globals, default) or Zalando's pg_dumpall .sql.gz")
      .option('--format <format>', 'set or dumpall', 'set')
      .option('--replica', 'dump from a streaming replica instead of the leader')
      .option('--retention <value>', 'keep this many ("5") or this long ("3 months"); default: spec.logicalBackupRetention, logical_backup_s3_retention_time; none: keep all')
      .option('-o, --output <format>', 'json: one JSON record of the task and the backup when it ends')
      .option('-y, --yes', 'accepted for scripts; a backup asks nothing'),
  ).action(async (cluster: string | undefined, flags: BackupFlags, cmd: Command) => {
    const name = cluster ?? process.env.SCOPE;
    if (!name) throw new UsageError('zpg backup logical: name a cluster (or set SCOPE, as the logical backup CronJob does)');
    if (flags.format !== 'set' && flags.format !== 'dumpall') throw new UsageError(`--format ${flags.format}: use set or dumpall`);
    if (!cluster && process.env.POD_NAMESPACE && !cmd.optsWithGlobals<{ namespace?: string }>().namespace) cmd.parent?.parent?.setOptionValue('namespace', process.env.POD_NAMESPACE);
    const report = (o: unknown) => {
      const x = o as LogicalBackupOutcome;
      return x.deleted.length ? `retention ${x.retention}: deleted ${x.deleted.join(', ')}\n` : '';
    };
    exitWith(await runLogicalCommand(cmd, { kind: 'logical-backup', cluster: name, format: flags.format, replica: flags.replica, retention: flags.retention }, flags, report));
  });
}
