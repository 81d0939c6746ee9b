// `zpg failover CLUSTER --candidate MEMBER`: promote a named replica, also
// when the leader is gone. Destructive: asks for the cluster name unless --yes.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerFailover(program: Command): void {
  addTaskFlags(
    program
      .command('failover <cluster>')
      .description('promote a named replica, also without a leader (destructive)')
      .requiredOption('--candidate <member>', 'the replica to promote'),
  ).action(async (cluster: string, opts: TaskFlags & { candidate: string }, cmd: Command) => {
    exitWith(await runTaskCommand(cmd, { kind: 'failover', cluster, candidate: opts.candidate }, opts));
  });
}
