// Shared by `zpg psql` and `zpg patronictl`: pick the pod, run the command
// over pods/exec with this terminal or these pipes, and exit with its code.
// Both are refused under --read-only: either can change the cluster.
import type { Command } from 'commander';
import type { ShellTarget } from '../services/tasks/shell.ts';
import { UsageError } from './errors.ts';
import { exitWith, readOnly } from './task-command.ts';

export async function runShellCommand(cmd: Command, target: ShellTarget, command: string[]): Promise<void> {
  if (target.replica && target.member) throw new UsageError('--replica and --member: choose one');
  const ro = await readOnly(cmd);
  if (ro) throw new UsageError(`${command[0]} refused: zpg is read-only (${ro}); ${command[0]} can change the cluster`, 3);
  const [{ shellPod, runShell }, { UnknownTarget }, { kubeFrom, withKube }] = await Promise.all([
    import('../services/tasks/shell.ts'),
    import('../services/tasks/types.ts'),
    import('./kube-command.ts'),
  ]);
  const k = kubeFrom(cmd);
  const pod = await withKube(k, async () => {
    try {
      return await shellPod(k.kc, k.namespace, target);
    } catch (e) {
      if (e instanceof UnknownTarget) throw new UsageError(e.message, 2);
      throw e;
    }
  });
  let code: number;
  try {
    code = await runShell(k.kc, k.namespace, pod, command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), 1);
  }
  exitWith(code);
}
