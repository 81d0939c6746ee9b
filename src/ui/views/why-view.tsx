// d: what is wrong with the selected (or open) cluster, in full and wrapped,
// where the 80-column table and the Ready line had to cut it.
import { Box, Text } from 'ink';
import type { ClusterRow } from '../../services/clusters/summary.ts';
import { formatBytes, readableReason } from '../format.ts';

export function whyLines(row: ClusterRow | undefined, status: string | undefined): string[] {
  if (!row) return ['No cluster selected.'];
  const out = [`${row.namespace}/${row.name}: ${row.health}, leader ${row.leader ?? 'none'}, failover limit ${formatBytes(row.failoverLimitBytes)} (maximum_lag_on_failover)`];
  out.push(...(row.reasons.length ? row.reasons.map((r) => `- ${readableReason(r)}`) : ['- nothing: every member is fit']));
  if (row.problems.length) {
    out.push('', "The operator's conditions that are not True:");
    out.push(...row.problems.map((c) => `- ${c.type} ${c.status}${c.reason ? ` (${c.reason})` : ''}: ${c.message ?? ''}`));
  }
  if (status) out.push('', `Status line: ${status}`);
  return out;
}

export function WhyView({ row, status, width, height }: { row?: ClusterRow; status?: string; width: number; height: number }) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate">
        Why (d or esc closes)
      </Text>
      {whyLines(row, status).map((l, i) => (
        <Text key={i} wrap="wrap">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
