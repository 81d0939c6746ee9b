// `zpg psql` / `zpg patronictl` through client-node, for kubeconfigs the lite
// client does not speak (auth-provider plugins without a token, proxies).
import type { Command } from 'commander';
import type { ShellTarget } from '../services/tasks/shell-session.ts';
import { UsageError } from './errors.ts';

export async function runShellClientNode(cmd: Command, target: ShellTarget, command: string[]): Promise<number> {
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
  try {
    return await runShell(k.kc, k.namespace, pod, command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), 1);
  }
}
