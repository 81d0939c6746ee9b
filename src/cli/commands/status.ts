// `zpg status CLUSTER`: summary, members like `patronictl list`, and recent
// events, as text or as stable JSON/YAML for scripts.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { age, lagMb, parseOutput, structured, table } from '../format.ts';

export function registerStatus(program: Command): void {
  program
    .command('status <cluster>')
    .description('show a cluster: summary, members, recent events')
    .option('-o, --output <format>', 'json or yaml')
    .action(async (name: string, opts: { output?: string }, cmd: Command) => {
      const format = parseOutput(opts.output, ['table', 'json', 'yaml']);
      const [k8s, { loadClusters }, { clusterRows, createZpgStore }, { kubeFrom, withKube }] = await Promise.all([
        import('@kubernetes/client-node'),
        import('../../services/clusters/load.ts'),
        import('../../store/store.ts'),
        import('../kube-command.ts'),
      ]);
      const k = kubeFrom(cmd);
      const store = createZpgStore({ name: k.context, namespace: k.namespace, allNamespaces: false });
      await withKube(k, () => loadClusters(k.kc, store, k.namespace));
      const row = clusterRows(store.getState()).find((r) => r.name === name);
      if (!row) throw new UsageError(`cluster "${name}" not found in namespace ${k.namespace}`, 1);
      const events = await withKube(k, () =>
        k.kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: k.namespace, fieldSelector: `involvedObject.name=${name}` }),
      );
      const recent = events.items
        .map((e) => ({ type: e.type ?? '', reason: e.reason ?? '', message: e.message ?? '', at: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '') }))
        .slice(-10);
      const members = row.members.map((m) => ({ name: m.name, host: m.host ?? null, role: m.role, state: m.state, timeline: m.timeline ?? null, lag: m.lagBytes ?? null, pendingRestart: m.pendingRestart, source: m.source }));
      if (format === 'json' || format === 'yaml') {
        process.stdout.write(structured(format, { name: row.name, namespace: row.namespace, status: row.operatorStatus, health: row.health, leader: row.leader ?? null, members, events: recent }));
        return;
      }
      const out = [
        `Cluster:   ${row.name} (namespace ${row.namespace}, team ${row.team || '<none>'})`,
        `Version:   ${row.version || '<unknown>'}`,
        `Instances: ${row.ready} ready / ${row.total} running / ${row.wanted} wanted`,
        `Leader:    ${row.leader ?? '<none>'}`,
        `Status:    ${row.operatorStatus || '<none>'} (operator), ${row.health} (members)`,
        '',
        table(['MEMBER', 'HOST', 'ROLE', 'STATE', 'TL', 'LAG(MB)', 'PENDING RESTART'], row.members.map((m) => [m.name, m.host ?? '', m.role, m.state, m.timeline?.toString() ?? '', lagMb(m.lagBytes), m.pendingRestart ? '*' : ''])),
        recent.length ? table(['TYPE', 'REASON', 'AGE', 'MESSAGE'], recent.map((e) => [e.type, e.reason, age(e.at), e.message])) : 'No recent events.\n',
      ];
      process.stdout.write(out.join('\n'));
    });
}
