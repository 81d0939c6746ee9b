// How the demo talks: on a terminal, a live summary redrawn every 2 s under a
// fixed header; otherwise plain lines, one per change, for logs and scripts.
// Either way the ready line is printed once, on a line of its own.
import { isLeaderRole } from '../../services/patroni/types.ts';
import type { DemoCluster } from './observe.ts';

export interface Reporter {
  info(line: string): void;
  clusters(clusters: DemoCluster[]): void;
  close(): void;
}

const PREFIX = 'zpg demo: ';

export function memberState(c: DemoCluster, name: string, state: string, role: string): string {
  return !isLeaderRole(role) && c.streaming.has(name) ? 'streaming' : state;
}

/** One line per cluster: what headless mode prints when it changes. */
export function clusterLine(c: DemoCluster): string {
  const r = c.row;
  const parts = [`${r.namespace}/${r.name} ${r.operatorStatus || 'no status yet'}`, `${r.ready}/${r.wanted} ready`];
  if (r.leader) parts.push(`leader ${r.leader}`);
  const replicas = r.members.filter((m) => m.name !== r.leader);
  if (replicas.length) parts.push(`replicas ${replicas.map((m) => `${m.name} ${memberState(c, m.name, m.state, m.role)}`).join(', ')}`);
  return parts.join(', ');
}

export function lineReporter(out: NodeJS.WritableStream): Reporter {
  const last = new Map<string, string>();
  return {
    info: (line) => void out.write(`${PREFIX}${line}\n`),
    clusters: (clusters) => {
      for (const c of clusters) {
        const key = `${c.row.namespace}/${c.row.name}`;
        const line = clusterLine(c);
        if (last.get(key) !== line) out.write(`${PREFIX}${line}\n`);
        last.set(key, line);
      }
    },
    close: () => undefined,
  };
}

/** The live view: the lines below the header are rewritten in place. */
export function ttyReporter(out: NodeJS.WriteStream): Reporter {
  let drawn = 0;
  let body: string[] = [];
  const width = () => Math.max(40, (out.columns || 100) - 1);
  const erase = () => {
    if (drawn > 0) out.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    const lines = body.map((l) => (l.length > width() ? l.slice(0, width()) : l));
    out.write(lines.map((l) => `${l}\n`).join(''));
    drawn = lines.length;
  };
  return {
    info: (line) => {
      erase();
      out.write(`${PREFIX}${line}\n`);
      draw();
    },
    clusters: (clusters) => {
      erase();
      body = table(clusters);
      draw();
    },
    close: () => erase(),
  };
}

function table(clusters: DemoCluster[]): string[] {
  const lines = ['', `${'CLUSTER'.padEnd(22)} ${'STATUS'.padEnd(9)} ${'READY'.padEnd(6)} ${'LEADER'.padEnd(14)} HEALTH`];
  for (const c of clusters) {
    const r = c.row;
    lines.push(`${`${r.namespace}/${r.name}`.padEnd(22)} ${(r.operatorStatus || '-').padEnd(9)} ${`${r.ready}/${r.wanted}`.padEnd(6)} ${(r.leader ?? '-').padEnd(14)} ${r.health}`);
    for (const m of r.members) {
      const lag = m.lagBytes === undefined ? '' : m.lagBytes === null ? 'lag unknown' : `lag ${m.lagBytes} B`;
      lines.push(`  ${m.name.padEnd(18)} ${m.role.padEnd(8)} ${memberState(c, m.name, m.state, m.role).padEnd(10)} ${(m.ready ? 'ready' : 'not ready').padEnd(10)} ${(m.host ?? '').padEnd(13)} ${lag}`.trimEnd());
    }
  }
  if (clusters.length === 0) lines.push('  (no postgresql objects yet)');
  lines.push('', `updated ${new Date().toLocaleTimeString()}; Ctrl-C stops the demo and everything it started`);
  return lines;
}
