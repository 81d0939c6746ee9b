// One cluster: what an operator checks first (leader, readiness, status),
// then the members as `patronictl list` shows them.
import { Box, Text } from 'ink';
import type { ClusterRow, MemberRow } from '../../services/clusters/summary.ts';
import { HeaderRow, Row, layout, windowed, type Column } from '../components/columns.tsx';
import { formatLag } from '../format.ts';

const MEMBER_COLUMNS: Column<MemberRow>[] = [
  { title: 'MEMBER', width: 20, grow: true, cell: (m) => m.name },
  { title: 'HOST', width: 15, cell: (m) => m.host ?? '' },
  { title: 'ROLE', width: 12, cell: (m) => m.role },
  { title: 'STATE', width: 10, cell: (m) => m.state },
  { title: 'TL', width: 3, cell: (m) => m.timeline?.toString() ?? '' },
  { title: 'LAG', width: 5, cell: (m) => formatLag(m.lagBytes) },
  { title: 'R', width: 1, cell: (m) => (m.pendingRestart ? '*' : '') },
];

export function ClusterView({ row, cursor, width, height, staleSeconds }: { row?: ClusterRow; cursor: number; width: number; height: number; staleSeconds?: number }) {
  if (!row) return <Text color="yellow">This cluster is gone. Press esc to go back.</Text>;
  const columns = layout(MEMBER_COLUMNS, width);
  const { visible, offset } = windowed(row.members, cursor, Math.max(1, height - 6));
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>{row.name}</Text> in {row.namespace} · team {row.team || '-'} · PostgreSQL {row.version || '?'}
      </Text>
      <Text>
        Pods {row.ready}/{row.total} ready of {row.wanted} · leader {row.leader ?? 'none'} · {row.health} · operator status {row.operatorStatus || '-'}
      </Text>
      <Text dimColor>{staleSeconds !== undefined ? `member data from pod annotations, ${staleSeconds}s old` : ' '}</Text>
      <HeaderRow columns={columns} />
      {visible.map((m, i) => (
        <Row key={m.name} columns={columns} row={m} selected={offset + i === cursor} />
      ))}
    </Box>
  );
}
