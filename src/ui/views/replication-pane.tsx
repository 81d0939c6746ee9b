// The `r` pane: replication as an incident needs it. The leader's view of each
// standby (pg_stat_replication: bytes not yet sent, written, flushed, replayed
// and PostgreSQL's lag times), the standby's own view (pg_stat_wal_receiver:
// what it received and replayed, and the verdict that tells "receive stuck"
// from "replay paused/behind"), and the slots with the WAL they hold.
import type { ReplicationSlot, StandbyReceiver, StandbyStream } from '../../services/replication/types.ts';
import type { ReplicationView } from '../../store/store.ts';
import type { Column, Tone } from '../components/columns.tsx';
import { formatBytes, formatDuration, printable } from '../format.ts';
import { tableLines, type PaneLine } from './pane-lines.tsx';

const b = (n: number | undefined) => (n === undefined ? '-' : formatBytes(n));
const sec = (s: number | null) => (s === null ? '-' : s < 10 ? s.toFixed(1) : String(Math.round(s)));

const STREAMS: Column<StandbyStream>[] = [
  { title: 'STANDBY', width: 12, grow: true, cell: (s) => s.name },
  { title: 'STATE', width: 9, cell: (s) => s.state },
  { title: 'SYNC', width: 6, cell: (s) => s.syncState },
  { title: 'SENT', width: 7, cell: (s) => b(s.sentLagBytes) },
  { title: 'WRITE', width: 7, cell: (s) => b(s.writeLagBytes) },
  { title: 'FLUSH', width: 7, cell: (s) => b(s.flushLagBytes) },
  { title: 'REPLAY', width: 7, cell: (s) => b(s.replayLagBytes) },
  { title: 'W/F/R LAG s', width: 13, cell: (s) => [s.writeLagSeconds, s.flushLagSeconds, s.replayLagSeconds].map(sec).join('/') },
];

const RECEIVERS: Column<StandbyReceiver>[] = [
  { title: 'STANDBY', width: 12, grow: true, cell: (r) => r.name },
  { title: 'RECEIVER', width: 9, cell: (r) => r.receiverStatus ?? 'none' },
  { title: 'RECEIVED', width: 11, cell: (r) => r.receiveLsn ?? '-' },
  { title: 'REPLAYED', width: 11, cell: (r) => r.replayLsn ?? '-' },
  { title: 'RECV LAG', width: 8, cell: (r) => b(r.receiveLagBytes) },
  { title: 'RPLY LAG', width: 8, cell: (r) => b(r.replayLagBytes) },
  { title: 'VERDICT', width: 13, cell: (r) => (r.error ? 'unknown' : r.verdict) },
];

const SLOTS: Column<ReplicationSlot>[] = [
  { title: 'SLOT', width: 12, grow: true, cell: (s) => s.name },
  { title: 'TYPE', width: 8, cell: (s) => s.type },
  { title: 'ACTIVE', width: 6, cell: (s) => (s.active ? 'yes' : 'NO') },
  { title: 'RESTART LSN', width: 11, cell: (s) => s.restartLsn ?? '-' },
  { title: 'RETAINED', width: 8, cell: (s) => b(s.retainedBytes) },
  { title: 'WAL', width: 10, cell: (s) => s.walStatus ?? '' },
];

/** stuck or not receiving is an incident; paused or behind is a warning */
export function verdictTone(r: StandbyReceiver): Tone | undefined {
  if (r.error || r.verdict === 'receive stuck' || r.verdict === 'not receiving') return 'bad';
  if (r.verdict === 'replay paused' || r.verdict === 'replay behind' || r.verdict === 'catching up') return 'warn';
  return undefined;
}

export function replicationLines(view: ReplicationView | undefined, width: number, now = Date.now()): PaneLine[] {
  if (!view || (!view.report && !view.error)) return [{ text: 'reading replication from the members…' }];
  const r = view.report;
  const lines: PaneLine[] = [];
  if (r) {
    const from = r.source === 'sql' ? 'SQL' : "Patroni's /patroni (no SQL: no sender view, no slots)";
    lines.push({ text: `Leader ${r.leader ?? '?'} at ${r.leaderLsn ?? '?'} · from ${from} · read ${formatDuration(now - view.at)} ago`, tone: r.source === 'sql' ? undefined : 'warn' });
  }
  if (view.error) lines.push({ text: `! ${printable(view.error)}`, tone: 'warn' });
  if (!r) return lines;
  if (r.source === 'sql') {
    lines.push({ text: "Leader's view, bytes behind its WAL:" });
    if (r.streams.length) lines.push(...tableLines(STREAMS, r.streams, width, (s) => (s.state === 'streaming' ? undefined : 'warn')));
    else lines.push({ text: 'No standby is connected to the leader.', tone: r.receivers.length ? 'bad' : undefined });
  }
  if (r.receivers.length) {
    lines.push({ text: "Standbys' own view:" });
    lines.push(...tableLines(RECEIVERS, r.receivers, width, verdictTone));
  }
  if (r.source === 'sql') {
    if (r.slots.length) lines.push(...tableLines(SLOTS, r.slots, width, (s) => (s.active ? undefined : 'warn')));
    else lines.push({ text: 'No replication slots.' });
  }
  for (const e of r.errors) lines.push({ text: `! ${printable(e)}`, tone: 'warn' });
  return lines;
}
