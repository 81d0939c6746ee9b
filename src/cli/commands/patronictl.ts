// `zpg patronictl CLUSTER [--member NAME] -- ARGS`: patronictl in a member's
// pod (the leader's unless named), its output and exit code passed through.
import type { Command } from 'commander';
import { runShellCommand } from '../shell-command.ts';

export function registerPatronictl(program: Command): void {
  program
    .command('patronictl <cluster> [args...]')
    .description("patronictl in the leader's pod; arguments after -- go to patronictl (e.g. zpg patronictl acid-demo -- list)")
    .option('--member <name>', 'run it in this member instead')
    .action(async (cluster: string, args: string[], opts: { member?: string }, cmd: Command) => {
      await runShellCommand(cmd, { cluster, member: opts.member }, ['patronictl', ...args]);
    });
}
