// `zpg` with no command: the console on a terminal; the clusters table once
// when stdout is not a terminal (pipes, CI) or is a dumb one, so scripts never hang on it.
// The first frame goes up before client-node loads (half a second of module
// loading): the console says it is loading, and the data follows.
import type { Command } from 'commander';
import type { GlobalFlags } from '../global-flags.ts';
import type { ConsoleActions } from '../../ui/app.tsx';
import type { ClusterFeed } from '../../services/live/cluster-feed.ts';
import type { ZpgStore } from '../../store/store.ts';

export async function runDefault(cmd: Command, printOnce: () => Promise<void>): Promise<void> {
  // A dumb terminal cannot take cursor movement: it gets the table once, as a pipe does.
  if (!process.stdout.isTTY || !process.stdin.isTTY || process.env.TERM === 'dumb') return printOnce();
  await runConsole(cmd.optsWithGlobals<GlobalFlags>());
}

/**
 * The first clusters on screen: one list of postgresqls and pods through the lite client, as `zpg list`
 * reads them. Dropped when the informers have listed first (theirs is newer); a kubeconfig the lite
 * client cannot read, or a failed list, simply leaves the screen to the informers.
 */
async function firstPicture(flags: GlobalFlags, store: ZpgStore, informersListed: () => boolean): Promise<void> {
  try {
    const [{ loadLiteKube }, { loadClustersLite }, { createZpgStore }] = await Promise.all([
      import('../../services/kube/lite/kubeconfig.ts'),
      import('../../services/clusters/load-lite.ts'),
      import('../../store/store.ts'),
    ]);
    const k = loadLiteKube(flags);
    const namespace = flags.allNamespaces === true ? undefined : k.namespace;
    const scratch = createZpgStore();
    await loadClustersLite(k, scratch, namespace, undefined, 5_000);
    if (informersListed()) return;
    const s = scratch.getState();
    store.getState().apply([
      ...Object.values(s.postgresqls).map((obj) => ({ op: 'upsert' as const, kind: 'postgresqls' as const, obj })),
      ...Object.values(s.pods).map((obj) => ({ op: 'upsert' as const, kind: 'pods' as const, obj })),
    ]);
    store.setState({ synced: true, context: { name: k.context, namespace: k.namespace, allNamespaces: namespace === undefined } });
  } catch {
    // the informers say what is wrong, in the status line, with what to do
  }
}

/** The history (h) and replication (r) panes read through the lite client, as `zpg history` and `zpg status` do. */
async function startDetails(flags: GlobalFlags, store: ZpgStore): Promise<() => void> {
  const [{ startDetailFeed }, { liteDetailReaders }, { loadLiteKube }] = await Promise.all([
    import('../../services/live/detail-feed.ts'),
    import('../../services/live/detail-readers.ts'),
    import('../../services/kube/lite/kubeconfig.ts'),
  ]);
  let readers;
  try {
    readers = liteDetailReaders(loadLiteKube(flags), store);
  } catch (e) {
    // auth-provider plugins and proxies: the panes say why instead of the console failing
    const why = `needs a kubeconfig with a token, client certificate or exec plugin (${e instanceof Error ? e.message : String(e)})`;
    readers = { history: () => Promise.reject(new Error(why)), replication: () => Promise.reject(new Error(why)) };
  }
  const detail = startDetailFeed(store, readers);
  return () => detail.stop();
}

/** The console until the user quits; `zpg demo` opens it on its sandbox's kubeconfig too. */
export async function runConsole(flags: GlobalFlags): Promise<void> {
  const { createZpgStore } = await import('../../store/store.ts');
  const store = createZpgStore({ name: flags.context, namespace: flags.namespace, allNamespaces: flags.allNamespaces === true });
  let feed: ClusterFeed | undefined;
  let switched = false;
  // The clusters through the lite client while Ink and then client-node load (a second and more on a busy
  // machine): asked for before Ink loads, so the API server answers while Ink's code is read; too late once
  // the informers have listed, or the namespace has changed.
  const first = firstPicture(flags, store, () => switched || feed?.listed() === true);
  const [{ startConsole }, { loadUserConfig }] = await Promise.all([import('../../ui/run.tsx'), import('../../services/config/user-config.ts')]);
  let setNamespace = (_ns: string | undefined) => {};
  // Tasks start once the kubeconfig is loaded; until then their keys say so.
  const actions: ConsoleActions = { setNamespace: (ns) => setNamespace(ns), readOnly: (flags as { readOnly?: boolean }).readOnly === true || loadUserConfig().readOnly };
  const ui = startConsole(store, actions);
  const stops: (() => unknown)[] = [];
  try {
    // client-node is 15 MB of bundled code: reading and compiling it holds the thread for a second or more,
    // and the lite list's answer would wait behind it. Let the first picture land first (briefly: the
    // informers are the ones that keep it current).
    await Promise.race([first, new Promise((r) => setTimeout(r, 1_500).unref())]);
    const [{ startClusterFeed }, { startPatroniFeed }, { startLogFeed }, { memberTransports }, { kubeFromFlags }] = await Promise.all([
      import('../../services/live/cluster-feed.ts'),
      import('../../services/live/patroni-feed.ts'),
      import('../../services/live/log-feed.ts'),
      import('../../services/patroni/transports.ts'),
      import('../kube-command.ts'),
    ]);
    const k = kubeFromFlags(flags); // a bad --kubeconfig or --context: the console closes and zpg says why
    store.setState({ context: { name: k.context, namespace: k.namespace, allNamespaces: k.allNamespaces } });
    feed = startClusterFeed(k.kc, store, k.allNamespaces ? undefined : k.namespace, k.server, { keepFirst: true });
    const clusters = feed;
    setNamespace = (ns) => {
      switched = true;
      clusters.setNamespace(ns);
    };
    const { consoleTasks } = await import('../../services/tasks/console-tasks.ts');
    const tasks = consoleTasks(store, k.kc);
    actions.runTask = (request, namespace) => void tasks.run(request, namespace);
    actions.shell = (namespace, pod, command) => tasks.shell(namespace, pod, command);
    const patroni = startPatroniFeed(store, { transportFor: memberTransports(k.kc) });
    const logs = startLogFeed(k.kc, store);
    stops.push(() => patroni.stop(), () => logs.stop(), () => clusters.stop());
    stops.push(await startDetails(flags, store));
    const { startConsoleBackups } = await import('../../services/live/backups-console.ts');
    const backups = startConsoleBackups(store, k.kc, k.allNamespaces ? undefined : k.namespace);
    actions.previewClone = (args) => backups.previewClone(args);
    actions.refreshBackups = (key) => backups.feed.refresh(key);
    stops.push(() => backups.stop());
    await ui.done;
  } finally {
    ui.stop();
    await ui.done;
    await Promise.all(stops.map((s) => s()));
  }
}
