// The clusters table: one line per cluster, the cursor row highlighted. Member
// data here comes from the pods' `status` annotations (Patroni writes them);
// only the cluster open in the detail view is polled over REST.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { ClusterRow } from '../../services/clusters/summary.ts';
import { HeaderRow, Row, layout, windowed, type Column, type Tone } from '../components/columns.tsx';
import { formatAge, formatLagMiB, readableReason } from '../format.ts';
import { listRows } from '../layout.ts';
import { useLook } from '../look.ts';
import type { SortKey } from '../ui-state.ts';
import type { BackupsState } from '../../services/live/backups-types.ts';
import { backupColumn } from './backups-column.ts';

export const HEALTH_TONES: Record<string, Tone> = { Healthy: 'good', Degraded: 'warn', NoLeader: 'bad', Pending: 'warn' };

/** lag over the cluster's failover limit: Patroni would not promote that replica */
export const lagOverLimit = (r: ClusterRow) => typeof r.maxLagBytes === 'number' && r.maxLagBytes > r.failoverLimitBytes;

/** what is wrong, in one line: the health reasons, then the operator's not-True conditions */
export const rowMessage = (r: ClusterRow) => [...r.reasons.map(readableReason), ...r.problems.map((c) => `${c.type} ${c.status}: ${c.message ?? c.reason ?? ''}`)].join('; ');

// Narrow terminals drop columns highest `drop` first: NAMESPACE (with -A) and LAG stay longest.
const NAMESPACE: Column<ClusterRow> = { title: 'NAMESPACE', width: 12, drop: 1, cell: (r) => r.namespace };
const COLUMNS: Column<ClusterRow>[] = [
  { title: 'NAME', width: 16, cell: (r) => r.name },
  { title: 'TEAM', width: 6, drop: 6, cell: (r) => r.team },
  { title: 'VER', width: 3, drop: 5, cell: (r) => r.version },
  { title: 'PODS', width: 5, cell: (r) => `${r.ready}/${r.total}` },
  { title: 'LEADER', width: 12, drop: 3, keepEnd: true, cell: (r) => r.leader ?? '-' },
  // a '!' marks lag over the failover limit, with or without colour
  { title: 'LAG MiB', width: 8, drop: 2, cell: (r) => formatLagMiB(r.maxLagBytes) + (lagOverLimit(r) ? '!' : ''), tone: (r) => (lagOverLimit(r) ? 'bad' : undefined) },
  { title: 'HEALTH', width: 8, cell: (r) => r.health, tone: (r) => HEALTH_TONES[r.health] },
  { title: 'AGE', width: 4, drop: 4, cell: (r) => formatAge(r.createdAt) },
  // free width goes to what is wrong, not to padding
  { title: 'MESSAGE', width: 7, grow: true, cell: rowMessage, tone: (r) => (r.health === 'NoLeader' ? 'bad' : r.reasons.length || r.problems.length ? 'warn' : undefined) },
];

/** The columns at `now`: AGE and BACKUP count from it. */
function columnsAt(now: number, backups: BackupsState | undefined, sort: SortKey): Column<ClusterRow>[] {
  return COLUMNS.flatMap((c) => {
    if (c.title === 'AGE') return [{ ...c, cell: (r: ClusterRow) => formatAge(r.createdAt, now) }];
    return c.title === 'HEALTH' && backups?.configured === true ? [c, backupColumn(backups, now, sort === 'backup')] : [c];
  });
}

const SORT_TITLES: Record<SortKey, string> = { name: 'NAME', namespace: 'NAMESPACE', status: 'HEALTH', lag: 'LAG MiB', backup: 'BACKUP' };

export interface ClustersViewProps {
  rows: ClusterRow[];
  cursor: number;
  width: number;
  height: number;
  allNamespaces: boolean;
  /** false until the first lists arrive */
  synced: boolean;
  sort?: SortKey;
  /** the backups feed's catalog: a BACKUP column after HEALTH when a feed runs */
  backups?: BackupsState;
  /** the time ages count to; a new value redraws every row, so it moves only as fast as the ages shown need */
  now: number;
}

/**
 * The name-like columns as wide as their longest value (within bounds), so the rest of the line is left for
 * messages; with no message on any row, an empty MESSAGE column is the first to give way (long names of a clone
 * pushed BACKUP and AGE off an 80-column screen to keep it).
 */
function sized(columns: Column<ClusterRow>[], rows: ClusterRow[]): Column<ClusterRow>[] {
  const longest = (c: Column<ClusterRow>) => Math.max(c.title.length + 1, ...rows.map((r) => c.cell(r).length));
  const quiet = rows.every((r) => rowMessage(r) === '');
  return columns.map((c) =>
    c.title === 'NAME' || c.title === 'NAMESPACE' || c.title === 'LEADER' ? { ...c, width: Math.min(c.title === 'NAME' ? 24 : 16, longest(c)) } : c.grow && quiet ? { ...c, drop: 3.7 } : c,
  );
}

export function ClustersView({ rows, cursor, width, height, allNamespaces, synced, sort = 'name', backups, now }: ClustersViewProps) {
  const { plain } = useLook();
  // The namespace column only when there is more than one namespace to tell apart, as `zpg list` does.
  const withBackups = useMemo(() => columnsAt(now, backups, sort), [backups, now, sort]);
  const columns = useMemo(() => layout(sized(allNamespaces ? [NAMESPACE, ...withBackups] : withBackups, rows), width, plain), [width, plain, allNamespaces, rows, withBackups]);
  if (rows.length === 0 && !synced) return <Text dimColor>Loading clusters…</Text>;
  if (rows.length === 0) return <Text dimColor>No clusters. Submit a postgresql manifest, or widen with :ns all.</Text>;
  const { visible, offset } = windowed(rows, cursor, listRows(height));
  return (
    <Box flexDirection="column">
      <HeaderRow columns={columns} sorted={SORT_TITLES[sort]} />
      {visible.map((r, i) => (
        <Row key={`${r.namespace}/${r.name}`} columns={columns} row={r} selected={offset + i === cursor} />
      ))}
    </Box>
  );
}
