// Switchover / failover: the replicas with state, lag and tags; ones that
// cannot take over are listed last, with why.
import { Box, Text } from 'ink';
import { useLook } from '../look.ts';
import type { Modal } from '../task-ui.ts';

const lag = (b: number | null | undefined) => (b === undefined ? '' : b === null ? 'unknown' : `${Math.round(b / 1024)} kB`);

export function CandidatePicker({ modal }: { modal: Extract<Modal, { kind: 'pick' }> }) {
  const look = useLook();
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {modal.task} {modal.cluster}: pick the new leader (leader now: {modal.leader ?? 'none'})
      </Text>
      {modal.candidates.map((c, i) => (
        <Text key={c.name} inverse={!look.plain && i === modal.cursor} dimColor={Boolean(c.blocked)} wrap="truncate">
          {look.plain ? (i === modal.cursor ? '>' : ' ') : ''}
          {c.name.padEnd(14)} {c.state.padEnd(10)} lag {lag(c.lagBytes).padEnd(9)} {c.tags}
          {c.blocked ? ` (cannot: ${c.blocked})` : ''}
        </Text>
      ))}
    </Box>
  );
}
