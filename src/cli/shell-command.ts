// Shared by `zpg psql` and `zpg patronictl`: pick the pod, run the command
// over pods/exec with this terminal or these pipes, and exit with its code.
// Both are refused under --read-only: either can change the cluster.
// The lite client does it (one pod list, one WebSocket: as fast as kubectl
// exec); a kubeconfig only client-node speaks takes shell-command-client-node.ts.
import type { Command } from 'commander';
import type { LiteKube } from '../services/kube/lite/kubeconfig.ts';
import type { ShellTarget } from '../services/tasks/shell-session.ts';
import { UsageError } from './errors.ts';
import { exitWith, readOnly } from './task-command.ts';

/** `name` is what messages call the command (its argv may wrap it, as psql's does). */
export async function runShellCommand(cmd: Command, target: ShellTarget, command: string[], name = command[0]): Promise<void> {
  if (target.replica && target.member) throw new UsageError('--replica and --member: choose one');
  // the modules load while the config file is read; nothing reaches the cluster before the read-only check
  const [ro, { liteFrom }] = await Promise.all([readOnly(cmd), import('./lite-command.ts'), import('../services/tasks/shell-lite.ts')]);
  if (ro) throw new UsageError(`${name} refused: zpg is read-only (${ro}); ${name} can change the cluster`, 3);
  const k = liteFrom(cmd);
  if (!k) {
    const { runShellClientNode } = await import('./shell-command-client-node.ts');
    return exitWith(await runShellClientNode(cmd, target, command));
  }
  exitWith(await runShellLiteCommand(k, target, command));
}

async function runShellLiteCommand(k: LiteKube, target: ShellTarget, command: string[]): Promise<number> {
  const [{ liteShellPod, runShellLite }, { UnknownTarget }, { withLite }] = await Promise.all([
    import('../services/tasks/shell-lite.ts'),
    import('../services/tasks/types.ts'),
    import('./lite-command.ts'),
  ]);
  const pod = withLite(async () => {
    try {
      return await liteShellPod(k, k.namespace, target);
    } catch (e) {
      if (e instanceof UnknownTarget) throw new UsageError(e.message, 2);
      throw e;
    }
  });
  pod.catch(() => {}); // awaited below, with the exec
  try {
    return await runShellLite(k, k.namespace, pod, command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(e instanceof Error ? e.message : String(e), 1);
  }
}
