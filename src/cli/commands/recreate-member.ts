// `zpg recreate-member CLUSTER MEMBER`: a replica on a new volume, cloned
// from the leader. Destructive; an interrupted run continues when run again.
import type { Command } from 'commander';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

export function registerRecreateMember(program: Command): void {
  addTaskFlags(
    program.command('recreate-member <cluster> <member>').description('delete a replica\'s PVC and pod; it comes back empty and is cloned from the leader (destructive)'),
  ).action(async (cluster: string, member: string, opts: TaskFlags, cmd: Command) => {
    exitWith(await runTaskCommand(cmd, { kind: 'recreate-member', cluster, member }, opts));
  });
}
