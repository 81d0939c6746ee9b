// `zpg list`: the clusters table, once (or as it changes, with --watch), for
// scripts and for terminals that are not TTYs; the same rows the console shows.
// It reads through the lite client, which starts as fast as kubectl.
import type { Command } from 'commander';
import type { ListRow } from '../../services/clusters/list-row.ts';
import type { Snapshot } from '../../services/clusters/snapshot.ts';
import { age, lagMb, parseOutput, structured, table, type OutputFormat } from '../format.ts';
import type { GlobalFlags } from '../global-flags.ts';

export interface ListOptions {
  output?: string;
  selector?: string;
  watch?: boolean;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list PostgreSQL clusters with members, leader, lag and status')
    .option('-o, --output <format>', 'wide, json, yaml or name')
    .option('-l, --selector <selector>', "only clusters whose labels match, as kubectl's -l (team=acid,env!=prod)")
    .option('-w, --watch', 'after the table, print a cluster again whenever its row changes')
    .action(async (opts: ListOptions, cmd: Command) => printClusters(cmd, parseOutput(opts.output, ['table', 'wide', 'json', 'yaml', 'name']), opts));
}

interface Loaded {
  snapshot: Snapshot;
  allNamespaces: boolean;
  namespace: string;
  /** follows changes; undefined when only polling is possible */
  watch?: (onChange: (s: Snapshot) => void) => Promise<void>;
  reload: () => Promise<Snapshot>;
}

async function load(cmd: Command, selector: string | undefined): Promise<Loaded> {
  const [{ liteFrom, withLite }, snap] = await Promise.all([import('../lite-command.ts'), import('../../services/clusters/snapshot.ts')]);
  const k = liteFrom(cmd);
  if (k) {
    const ns = k.allNamespaces ? undefined : k.namespace;
    const reload = () => withLite(() => snap.liteSnapshot(k, ns, selector));
    const snapshot = await reload();
    const watch = async (onChange: (s: Snapshot) => void) => {
      const { watchSnapshot } = await import('../../services/clusters/watch.ts');
      await withLite(() => watchSnapshot(k, ns, selector, snapshot, onChange));
    };
    return { snapshot, allNamespaces: k.allNamespaces, namespace: k.namespace, watch, reload };
  }
  // Credentials only client-node speaks (auth-provider plugins, proxies): its path, slower to start.
  const [{ kubeFromFlags, withKube }, { loadClusters }, { createZpgStore }] = await Promise.all([
    import('../kube-command.ts'),
    import('../../services/clusters/load.ts'),
    import('../../store/store.ts'),
  ]);
  const kc = kubeFromFlags(cmd.optsWithGlobals<GlobalFlags>());
  const ns = kc.allNamespaces ? undefined : kc.namespace;
  const reload = async () => {
    const store = createZpgStore({ name: kc.context, namespace: kc.namespace, allNamespaces: kc.allNamespaces });
    await withKube(kc, () => loadClusters(kc.kc, store, ns, 10_000, selector));
    return snap.storeSnapshot(store);
  };
  return { snapshot: await reload(), allNamespaces: kc.allNamespaces, namespace: kc.namespace, reload };
}

/** The clusters table (or JSON/YAML/names) once; also what `zpg` prints when stdout is not a terminal. */
export async function printClusters(cmd: Command, format: OutputFormat, opts: ListOptions = {}): Promise<void> {
  const { listRows } = await import('../../services/clusters/snapshot.ts');
  const l = await load(cmd, opts.selector);
  const rows = listRows(l.snapshot);
  const printer = rowPrinter(format, l.allNamespaces);
  if (format === 'json' || format === 'yaml') {
    process.stdout.write(opts.watch ? rows.map((r) => `${JSON.stringify(r)}\n`).join('') : structured(format, rows));
  } else if (format === 'name') {
    process.stdout.write(rows.map((r) => `postgresql.acid.zalan.do/${r.name}\n`).join(''));
  } else if (!rows.length && !opts.watch) {
    process.stderr.write(l.allNamespaces ? 'No clusters found.\n' : `No clusters found in namespace ${l.namespace}.\n`);
    return;
  } else process.stdout.write(printer.table(rows));
  if (!opts.watch) return;
  const printed = new Map(rows.map((r) => [`${r.namespace}/${r.name}`, printer.line(r)]));
  const onChange = (s: Snapshot) => {
    const next = listRows(s);
    const seen = new Set<string>();
    for (const r of next) {
      const key = `${r.namespace}/${r.name}`;
      seen.add(key);
      const line = printer.line(r);
      if (printed.get(key) === line) continue;
      printed.set(key, line);
      process.stdout.write(printer.changed(r));
    }
    for (const key of [...printed.keys()].filter((k) => !seen.has(k))) {
      printed.delete(key);
      process.stdout.write(printer.deleted(key));
    }
  };
  if (l.watch) {
    await l.watch(onChange);
    return;
  }
  for (;;) {
    await new Promise((r) => setTimeout(r, 2_000));
    onChange(await l.reload());
  }
}

const HEADERS = ['NAME', 'TEAM', 'VERSION', 'MEMBERS', 'LEADER', 'LAG(MB)', 'STATUS', 'HEALTH', 'AGE', 'NOTES'];

/** Rows as each format prints them, the first time and on every change after. */
function rowPrinter(format: OutputFormat, allNamespaces: boolean) {
  const headers = [...(allNamespaces ? ['NAMESPACE'] : []), ...HEADERS, ...(format === 'wide' ? ['WANTED'] : [])];
  const cells = (r: ListRow) => [
    ...(allNamespaces ? [r.namespace] : []),
    r.name,
    r.team,
    r.version,
    `${r.ready}/${r.total}`,
    r.leader ?? '<none>',
    lagMb(r.maxLagBytes),
    r.operatorStatus || '<none>',
    r.health,
    age(r.createdAt),
    notesOf(r),
    ...(format === 'wide' ? [String(r.wanted)] : []),
  ];
  let widths: number[] = headers.map((h) => h.length);
  const pad = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('   ').trimEnd() + '\n';
  return {
    table(rows: ListRow[]): string {
      const all = rows.map(cells);
      widths = headers.map((h, i) => Math.max(h.length, ...all.map((c) => c[i].length)));
      return table(headers, all);
    },
    /** what decides whether a row changed: its cells without the ticking AGE */
    line: (r: ListRow) => (format === 'json' || format === 'yaml' || format === 'name' ? JSON.stringify(r) : cells(r).filter((_, i) => headers[i] !== 'AGE').join('\t')),
    changed: (r: ListRow) => (format === 'json' || format === 'yaml' ? `${JSON.stringify(r)}\n` : format === 'name' ? `postgresql.acid.zalan.do/${r.name}\n` : pad(cells(r))),
    deleted: (key: string) => {
      const [namespace, name] = key.split('/');
      if (format === 'json' || format === 'yaml') return `${JSON.stringify({ name, namespace, deleted: true })}\n`;
      if (format === 'name') return `postgresql.acid.zalan.do/${name}\n`;
      return `${allNamespaces ? `${namespace}   ` : ''}${name}   deleted\n`;
    },
  };
}

function notesOf(r: ListRow): string {
  return [r.paused ? 'paused' : '', r.pendingRestart ? 'restart-pending' : '', r.scheduledSwitchover ? 'switchover-scheduled' : '', r.scheduledRestarts ? 'restart-scheduled' : '']
    .filter(Boolean)
    .join(',');
}
