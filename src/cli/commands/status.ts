// `zpg status CLUSTER`: summary, maintenance banner, members like `patronictl
// list` with their pods' state, replication like `kubectl cnpg status`, and
// recent events; as text or as stable JSON/YAML for scripts (the fields of
// `zpg list -o json`, plus members, replication and events).
import type { Command } from 'commander';
import type { StatusReport } from '../../services/clusters/status.ts';
import type { ReplicationReport } from '../../services/replication/types.ts';
import { UsageError } from '../errors.ts';
import { age, bytes, lagMb, parseOutput, seconds, structured, table } from '../format.ts';

export function registerStatus(program: Command): void {
  program
    .command('status <cluster>')
    .description('show a cluster: summary, members, replication, recent events')
    .option('-o, --output <format>', 'json or yaml')
    .option('--no-replication', 'skip the replication readout (it connects to every member)')
    .action(async (name: string, opts: { output?: string; replication: boolean }, cmd: Command) => {
      const format = parseOutput(opts.output, ['table', 'json', 'yaml']);
      const [{ liteFrom, withLite }, { readStatus, ClusterNotFound }] = await Promise.all([import('../lite-command.ts'), import('../../services/clusters/status.ts')]);
      const k = liteFrom(cmd);
      if (!k) throw new UsageError('zpg status needs a kubeconfig with a token, client certificate or exec plugin; auth-provider plugins and proxies work with zpg list and the console only', 1);
      const report = await withLite(() =>
        readStatus(k, k.namespace, name, { replication: opts.replication }).catch((e: unknown) => {
          if (e instanceof ClusterNotFound) throw new UsageError(e.message, 1);
          throw e;
        }),
      );
      process.stdout.write(format === 'json' || format === 'yaml' ? structured(format, report) : statusText(report));
    });
}

/** The manifest's version and what the leader runs: after a version bump they differ until the upgrade has run. */
export function versionText(r: Pick<StatusReport, 'version' | 'runningVersion'>): string {
  if (!r.runningVersion) return r.version || '<unknown>';
  if (!r.version || r.runningVersion.split('.')[0] === String(r.version)) return `${r.runningVersion}`;
  return `${r.runningVersion} running; the manifest asks for ${r.version} (the major version upgrade has not run)`;
}

export function statusText(r: StatusReport, now = Date.now()): string {
  const out = [
    `Cluster:   ${r.name} (namespace ${r.namespace}, team ${r.team || '<none>'})`,
    `Version:   ${versionText(r)}`,
    `Instances: ${r.ready} ready / ${r.total} running / ${r.wanted} wanted`,
    `Leader:    ${r.leader ?? '<none>'}${r.timeline !== undefined ? ` (timeline ${r.timeline})` : ''}`,
    `Status:    ${r.operatorStatus || '<none>'} (operator), ${r.health} (members)`,
    `Patroni:   ${r.patroni.via ? `REST API via ${r.patroni.via}` : `out of reach (${r.patroni.error ?? 'unknown'}); members from the pods' annotations`}`,
  ];
  if (r.paused) out.push('', 'MAINTENANCE MODE: Patroni is paused; no automatic failover until `patronictl resume`.');
  if (r.scheduledSwitchover) out.push(`Scheduled: switchover at ${r.scheduledSwitchover.at}${r.scheduledSwitchover.from ? ` from ${r.scheduledSwitchover.from}` : ''}${r.scheduledSwitchover.to ? ` to ${r.scheduledSwitchover.to}` : ''}`);
  for (const [m, at] of Object.entries(r.scheduledRestarts ?? {})) out.push(`Scheduled: restart of ${m} at ${at}`);
  out.push(
    '',
    table(
      ['MEMBER', 'HOST', 'ROLE', 'STATE', 'TL', 'LAG(MB)', 'READY', 'PHASE', 'RESTARTS', 'AGE', 'NODE', 'TAGS', 'PENDING RESTART'],
      r.members.map((m) => [
        m.name,
        m.host ?? '',
        m.role,
        m.state,
        m.timeline?.toString() ?? '',
        lagMb(m.role === 'leader' || m.name === r.leader ? undefined : m.lagBytes),
        m.podReady ? '1/1' : '0/1',
        m.podPhase,
        String(m.restarts),
        age(m.createdAt ?? undefined, now),
        m.node ?? '',
        Object.entries(m.tags).map(([t, v]) => (v === true ? t : `${t}=${String(v)}`)).join(',') || '-',
        m.pendingRestart ? '*' : '',
      ]),
    ),
  );
  if (r.replication) out.push(replicationText(r.replication));
  out.push(r.events.length ? table(['TYPE', 'REASON', 'AGE', 'OBJECT', 'MESSAGE'], r.events.map((e) => [e.type, e.reason, age(e.at ?? undefined, now), e.object, e.message + (e.count > 1 ? ` (x${e.count})` : '')])) : 'No recent events.\n');
  return out.join('\n');
}

function replicationText(r: ReplicationReport): string {
  const lines = [`Replication (${r.source === 'sql' ? 'pg_stat_replication / pg_stat_wal_receiver' : "Patroni's /patroni"}, leader at ${r.leaderLsn ?? '?'}):`];
  if (r.streams.length && r.source === 'sql') {
    lines.push(
      table(
        ['STANDBY', 'STATE', 'SYNC', 'SENT', 'WRITE', 'FLUSH', 'REPLAY', 'REPLAY LAG', 'WRITE/FLUSH/REPLAY TIME'],
        r.streams.map((s) => [s.name, s.state, s.syncState, s.sentLsn ?? '', s.writeLsn ?? '', s.flushLsn ?? '', s.replayLsn ?? '', bytes(s.replayLagBytes), [s.writeLagSeconds, s.flushLagSeconds, s.replayLagSeconds].map(seconds).join(' / ')]),
      ).trimEnd(),
    );
  } else if (!r.streams.length) lines.push('No standby is connected to the leader.');
  if (r.receivers.length) {
    lines.push(
      table(
        ['STANDBY', 'RECEIVER', 'RECEIVED', 'REPLAYED', 'RECEIVE LAG', 'REPLAY LAG', 'VERDICT'],
        r.receivers.map((v) => [v.name, v.receiverStatus ?? 'none', v.receiveLsn ?? '', v.replayLsn ?? '', bytes(v.receiveLagBytes), bytes(v.replayLagBytes), v.error ? `unknown: ${v.error}` : v.verdict]),
      ).trimEnd(),
    );
  }
  if (r.source === 'sql') {
    lines.push(r.slots.length ? table(['SLOT', 'TYPE', 'ACTIVE', 'RESTART LSN', 'RETAINED', 'WAL STATUS'], r.slots.map((s) => [s.name, s.type, s.active ? 'yes' : 'no', s.restartLsn ?? '', bytes(s.retainedBytes), s.walStatus ?? ''])).trimEnd() : 'No replication slots.');
  }
  for (const e of r.errors) lines.push(`! ${e}`);
  return lines.join('\n') + '\n';
}
