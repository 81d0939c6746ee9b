// `zpg psql CLUSTER [--replica | --member NAME] [-d DB] [-- PSQL_ARGS]`: psql
// in the leader's pod (or a replica's) over pods/exec; interactive on a
// terminal, a plain pipe otherwise. psql's exit code is zpg's exit code.
import type { Command } from 'commander';
import { runShellCommand } from '../shell-command.ts';

export function registerPsql(program: Command): void {
  program
    .command('psql <cluster> [psqlArgs...]')
    .description("psql in the leader's pod (or --replica / --member); arguments after -- go to psql")
    .option('--replica', 'a replica instead of the leader')
    .option('--member <name>', 'this member')
    .option('-d, --dbname <db>', 'the database (default: postgres)')
    .action(async (cluster: string, args: string[], opts: { replica?: boolean; member?: string; dbname?: string }, cmd: Command) => {
      const { psqlCommand } = await import('../../services/tasks/shell-session.ts');
      await runShellCommand(cmd, { cluster, replica: opts.replica, member: opts.member }, psqlCommand(opts.dbname, args), 'psql');
    });
}
