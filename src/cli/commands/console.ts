// `zpg` with no command: the console on a terminal; the clusters table once
// when stdout is not a terminal (pipes, CI), so scripts never hang on it.
import type { Command } from 'commander';

export async function runDefault(cmd: Command, printOnce: () => Promise<void>): Promise<void> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) return printOnce();
  const [{ startClusterFeed }, { createZpgStore }, { kubeFrom }] = await Promise.all([
    import('../../services/live/cluster-feed.ts'),
    import('../../store/store.ts'),
    import('../kube-command.ts'),
  ]);
  const k = kubeFrom(cmd);
  const store = createZpgStore({ name: k.context, namespace: k.namespace, allNamespaces: k.allNamespaces });
  const feed = startClusterFeed(k.kc, store, k.allNamespaces ? undefined : k.namespace, k.server);
  const { runConsole } = await import('../../ui/run.tsx');
  try {
    await runConsole(store, { setNamespace: (ns) => feed.setNamespace(ns) });
  } finally {
    await feed.stop();
  }
}
