// The clusters table: one line per cluster, the cursor row highlighted. Member
// data here comes from the pods' `status` annotations (Patroni writes them);
// only the cluster open in the detail view is polled over REST.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { ClusterRow } from '../../services/clusters/summary.ts';
import { HeaderRow, Row, layout, windowed, type Column } from '../components/columns.tsx';
import { formatAge, formatLag } from '../format.ts';
import { listRows } from '../layout.ts';
import { useLook } from '../look.ts';

const NAMESPACE: Column<ClusterRow> = { title: 'NAMESPACE', width: 12, drop: 5, cell: (r) => r.namespace };
const COLUMNS: Column<ClusterRow>[] = [
  { title: 'NAME', width: 16, grow: true, cell: (r) => r.name },
  { title: 'TEAM', width: 6, drop: 3, cell: (r) => r.team },
  { title: 'VER', width: 3, drop: 2, cell: (r) => r.version },
  { title: 'PODS', width: 5, cell: (r) => `${r.ready}/${r.total}` },
  { title: 'LEADER', width: 8, cell: (r) => (r.leader ? r.leader.slice(r.name.length + 1) || r.leader : '-') },
  { title: 'LAG', width: 5, drop: 4, cell: (r) => formatLag(r.maxLagBytes) },
  { title: 'STATUS', width: 9, cell: (r) => r.health },
  { title: 'AGE', width: 4, drop: 1, cell: (r) => formatAge(r.createdAt) },
];

export interface ClustersViewProps {
  rows: ClusterRow[];
  cursor: number;
  width: number;
  height: number;
  allNamespaces: boolean;
  /** false until the first lists arrive */
  synced: boolean;
}

export function ClustersView({ rows, cursor, width, height, allNamespaces, synced }: ClustersViewProps) {
  const { plain } = useLook();
  // The namespace column only when there is more than one namespace to tell apart, as `zpg list` does.
  const columns = useMemo(() => layout(allNamespaces ? [NAMESPACE, ...COLUMNS] : COLUMNS, width, plain), [width, plain, allNamespaces]);
  if (rows.length === 0 && !synced) return <Text dimColor>Loading clusters…</Text>;
  if (rows.length === 0) return <Text dimColor>No clusters. Submit a postgresql manifest, or widen with :ns all.</Text>;
  const { visible, offset } = windowed(rows, cursor, listRows(height));
  return (
    <Box flexDirection="column">
      <HeaderRow columns={columns} />
      {visible.map((r, i) => (
        <Row key={`${r.namespace}/${r.name}`} columns={columns} row={r} selected={offset + i === cursor} />
      ))}
    </Box>
  );
}
