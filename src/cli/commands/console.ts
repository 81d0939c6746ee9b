// `zpg` with no command: the console on a terminal; the clusters table once
// when stdout is not a terminal (pipes, CI) or is a dumb one, so scripts never hang on it.
// The first frame goes up before client-node loads (half a second of module
// loading): the console says it is loading, and the data follows.
import type { Command } from 'commander';
import type { GlobalFlags } from '../global-flags.ts';
import type { ConsoleActions } from '../../ui/app.tsx';

export async function runDefault(cmd: Command, printOnce: () => Promise<void>): Promise<void> {
  // A dumb terminal cannot take cursor movement: it gets the table once, as a pipe does.
  if (!process.stdout.isTTY || !process.stdin.isTTY || process.env.TERM === 'dumb') return printOnce();
  await runConsole(cmd.optsWithGlobals<GlobalFlags>());
}

/** The console until the user quits; `zpg demo` opens it on its sandbox's kubeconfig too. */
export async function runConsole(flags: GlobalFlags): Promise<void> {
  const [{ startConsole }, { createZpgStore }] = await Promise.all([import('../../ui/run.tsx'), import('../../store/store.ts')]);
  const store = createZpgStore({ name: flags.context, namespace: flags.namespace, allNamespaces: flags.allNamespaces === true });
  let setNamespace = (_ns: string | undefined) => {};
  const { loadUserConfig } = await import('../../services/config/user-config.ts');
  // Tasks start once the kubeconfig is loaded; until then their keys say so.
  const actions: ConsoleActions = { setNamespace: (ns) => setNamespace(ns), readOnly: (flags as { readOnly?: boolean }).readOnly === true || loadUserConfig().readOnly };
  const ui = startConsole(store, actions);
  const stops: (() => unknown)[] = [];
  try {
    const [{ startClusterFeed }, { startPatroniFeed }, { startLogFeed }, { memberTransports }, { kubeFromFlags }] = await Promise.all([
      import('../../services/live/cluster-feed.ts'),
      import('../../services/live/patroni-feed.ts'),
      import('../../services/live/log-feed.ts'),
      import('../../services/patroni/transports.ts'),
      import('../kube-command.ts'),
    ]);
    const k = kubeFromFlags(flags); // a bad --kubeconfig or --context: the console closes and zpg says why
    store.setState({ context: { name: k.context, namespace: k.namespace, allNamespaces: k.allNamespaces } });
    const feed = startClusterFeed(k.kc, store, k.allNamespaces ? undefined : k.namespace, k.server);
    setNamespace = (ns) => feed.setNamespace(ns);
    const { consoleTasks } = await import('../../services/tasks/console-tasks.ts');
    const tasks = consoleTasks(store, k.kc);
    actions.runTask = (request, namespace) => void tasks.run(request, namespace);
    actions.shell = (namespace, pod, command) => tasks.shell(namespace, pod, command);
    const patroni = startPatroniFeed(store, { transportFor: memberTransports(k.kc) });
    const logs = startLogFeed(k.kc, store);
    stops.push(() => patroni.stop(), () => logs.stop(), () => feed.stop());
    await ui.done;
  } finally {
    ui.stop();
    await ui.done;
    await Promise.all(stops.map((s) => s()));
  }
}
