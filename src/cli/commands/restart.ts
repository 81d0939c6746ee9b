// `zpg restart CLUSTER [MEMBER] [--pending]`: restart PostgreSQL through
// Patroni, replicas first and the leader last. Restarting the leader is
// destructive (a short outage for writers): it asks unless --yes.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerRestart(program: Command): void {
  addTaskFlags(
    program
      .command('restart <cluster> [member]')
      .description('restart PostgreSQL on one member or all, one at a time')
      .option('--pending', 'only members where Patroni says a restart is pending'),
  ).action(async (cluster: string, member: string | undefined, opts: TaskFlags & { pending?: boolean }, cmd: Command) => {
    exitWith(await runTaskCommand(cmd, { kind: 'restart', cluster, member, pending: opts.pending }, opts));
  });
}
