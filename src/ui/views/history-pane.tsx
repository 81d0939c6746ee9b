// The `h` pane: Patroni's timeline history as `patronictl history` has it
// (timeline, LSN where it ended, reason, time, the member that led next),
// newest first, so the last failover is on top in a five-line pane.
import type { HistoryRow } from '../../services/clusters/history.ts';
import type { HistoryView } from '../../store/store.ts';
import type { Column } from '../components/columns.tsx';
import { formatDuration, printable } from '../format.ts';
import { tableLines, type PaneLine } from './pane-lines.tsx';

/** RFC 3339 as 'MM-DD HH:MM:SS' (UTC): the year costs five columns an incident does not need */
const shortTime = (iso: string | null) => (iso ? `${iso.slice(5, 10)} ${iso.slice(11, 19)}` : '-');

const COLUMNS: Column<HistoryRow>[] = [
  { title: 'TL', width: 3, cell: (r) => String(r.timeline) },
  { title: 'LSN', width: 11, cell: (r) => r.lsn },
  { title: 'TIME (UTC)', width: 14, cell: (r) => shortTime(r.time) },
  { title: 'NEW LEADER', width: 14, cell: (r) => r.newLeader ?? '-' },
  { title: 'REASON', width: 12, grow: true, cell: (r) => printable(r.reason) },
];

export function historyLines(view: HistoryView | undefined, width: number, now = Date.now()): PaneLine[] {
  if (!view || (!view.at && !view.error)) return [{ text: "asking Patroni for the cluster's history…" }];
  const lines: PaneLine[] = [];
  const age = view.at ? `read ${formatDuration(now - view.at)} ago` : 'not read yet';
  const source = view.via === 'dcs' ? "from Patroni's DCS copy (no member answered)" : view.via ? `via ${view.via}` : '';
  lines.push({ text: `Timelines ${source} · ${view.rows.length} switch${view.rows.length === 1 ? '' : 'es'} · newest first · ${age}`, tone: view.via === 'dcs' ? 'warn' : undefined });
  if (view.error) lines.push({ text: `! ${view.error}`, tone: 'warn' });
  if (view.rows.length === 0) {
    if (view.at) lines.push({ text: 'No timeline changes: the first leader still leads on timeline 1.' });
    return lines;
  }
  return [...lines, ...tableLines(COLUMNS, [...view.rows].reverse(), width)];
}
