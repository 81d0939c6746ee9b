// `zpg switchover CLUSTER [--candidate MEMBER] [--at TIME]`: a planned change
// of leader through Patroni's REST API, waiting until the cluster is healthy.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerSwitchover(program: Command): void {
  addTaskFlags(
    program
      .command('switchover <cluster>')
      .description('hand the leader role to a replica (the best one, or --candidate), now or --at a time')
      .option('--candidate <member>', 'the replica to lead; default: the fit replica with the least lag')
      .option('--at <time>', 'schedule it (ISO 8601 with a zone, e.g. 2026-12-05T02:00:00Z); Patroni runs it then'),
  ).action(async (cluster: string, opts: TaskFlags & { candidate?: string; at?: string }, cmd: Command) => {
    exitWith(await runTaskCommand(cmd, { kind: 'switchover', cluster, candidate: opts.candidate, at: opts.at }, opts));
  });
}
