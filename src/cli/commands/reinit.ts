// `zpg reinit CLUSTER MEMBER`: rebuild a replica's data from the leader
// (Patroni's reinitialize). Destructive: asks for the cluster name unless --yes.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerReinit(program: Command): void {
  addTaskFlags(program.command('reinit <cluster> <member>').description("rebuild a replica's data directory from the leader (destructive)")).action(
    async (cluster: string, member: string, opts: TaskFlags, cmd: Command) => {
      exitWith(await runTaskCommand(cmd, { kind: 'reinit', cluster, member }, opts));
    },
  );
}
