// The clusters table: one line per cluster, the cursor row highlighted.
import { Box, Text } from 'ink';
import type { ClusterRow } from '../../services/clusters/summary.ts';
import { HeaderRow, Row, layout, windowed, type Column } from '../components/columns.tsx';
import { formatAge, formatLag } from '../format.ts';

const COLUMNS: Column<ClusterRow>[] = [
  { title: 'NAMESPACE', width: 12, cell: (r) => r.namespace },
  { title: 'NAME', width: 20, grow: true, cell: (r) => r.name },
  { title: 'TEAM', width: 6, cell: (r) => r.team },
  { title: 'VER', width: 3, cell: (r) => r.version },
  { title: 'PODS', width: 5, cell: (r) => `${r.ready}/${r.total}` },
  { title: 'LEADER', width: 8, cell: (r) => (r.leader ? r.leader.slice(r.name.length + 1) || r.leader : '-') },
  { title: 'LAG', width: 5, cell: (r) => formatLag(r.maxLagBytes) },
  { title: 'STATUS', width: 9, cell: (r) => r.health },
  { title: 'AGE', width: 4, cell: (r) => formatAge(r.createdAt) },
];

export function ClustersView({ rows, cursor, width, height }: { rows: ClusterRow[]; cursor: number; width: number; height: number }) {
  const columns = layout(COLUMNS, width);
  if (rows.length === 0) return <Text dimColor>No clusters. Submit a postgresql manifest, or widen with :ns all.</Text>;
  const { visible, offset } = windowed(rows, cursor, Math.max(1, height - 1));
  return (
    <Box flexDirection="column">
      <HeaderRow columns={columns} />
      {visible.map((r, i) => (
        <Row key={`${r.namespace}/${r.name}`} columns={columns} row={r} selected={offset + i === cursor} />
      ))}
    </Box>
  );
}
