// `zpg list`: the clusters table, once, for scripts and for terminals that
// are not TTYs; the same rows the console shows.
import type { Command } from 'commander';
import { age, lagMb, parseOutput, structured, table, type OutputFormat } from '../format.ts';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list PostgreSQL clusters with members, leader, lag and status')
    .option('-o, --output <format>', 'wide, json or yaml')
    .action(async (opts: { output?: string }, cmd: Command) => printClusters(cmd, parseOutput(opts.output, ['table', 'wide', 'json', 'yaml'])));
}

/** The clusters table (or JSON/YAML) once; also what `zpg` prints when stdout is not a terminal. */
export async function printClusters(cmd: Command, format: OutputFormat): Promise<void> {
  // Loaded on use: `zpg --help` and `zpg --version` stay fast.
  const [{ loadClusters }, { clusterRows, createZpgStore }, { kubeFrom, withKube }] = await Promise.all([
    import('../../services/clusters/load.ts'),
    import('../../store/store.ts'),
    import('../kube-command.ts'),
  ]);
  const k = kubeFrom(cmd);
  const store = createZpgStore({ name: k.context, namespace: k.namespace, allNamespaces: k.allNamespaces });
  await withKube(k, () => loadClusters(k.kc, store, k.allNamespaces ? undefined : k.namespace));
  const rows = clusterRows(store.getState());
  if (format === 'json' || format === 'yaml') {
    const out = rows.map(({ members: _m, ...r }) => r);
    process.stdout.write(structured(format, out));
    return;
  }
  if (!rows.length) {
    process.stderr.write(k.allNamespaces ? 'No clusters found.\n' : `No clusters found in namespace ${k.namespace}.\n`);
    return;
  }
  const headers = [...(k.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'TEAM', 'VERSION', 'MEMBERS', 'LEADER', 'LAG(MB)', 'STATUS', 'HEALTH', 'AGE'];
  if (format === 'wide') headers.push('WANTED');
  const cells = rows.map((r) => [
    ...(k.allNamespaces ? [r.namespace] : []),
    r.name,
    r.team,
    r.version,
    `${r.ready}/${r.total}`,
    r.leader ?? '<none>',
    lagMb(r.maxLagBytes),
    r.operatorStatus || '<none>',
    r.health,
    age(r.createdAt),
    ...(format === 'wide' ? [String(r.wanted)] : []),
  ]);
  process.stdout.write(table(headers, cells));
}
