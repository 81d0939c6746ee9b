// `zpg pause CLUSTER` and `zpg resume CLUSTER`: Patroni's maintenance mode,
// in which it neither fails over nor restarts PostgreSQL.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerPause(program: Command): void {
  for (const kind of ['pause', 'resume'] as const) {
    addTaskFlags(
      program
        .command(`${kind} <cluster>`)
        .description(kind === 'pause' ? "maintenance mode: Patroni stops failing over and restarting (its cluster-wide pause)" : 'end maintenance mode: Patroni manages the cluster again'),
    ).action(async (cluster: string, opts: TaskFlags, cmd: Command) => {
      exitWith(await runTaskCommand(cmd, { kind, cluster }, opts));
    });
  }
}
