// `?`: every key, generated from the keymap, and what the marks on screen mean.
import { Box, Text } from 'ink';
import { helpLines } from '../keymap.ts';
import { fit } from '../components/columns.tsx';
import { pagedRows } from '../layout.ts';

// Each line within 79 columns, so the help reads whole at 80x24.
const MARKS = [
  "SRC api  the member's row comes from Patroni's REST API (the open cluster,",
  '         asked every 2 s)',
  "SRC pod  from the status annotation Patroni writes on its pod (the list, and",
  '         a cluster while Patroni does not answer)',
  'STALE    Patroni, the Kubernetes watch or a log stopped answering; the age',
  '         says how long ago what is on screen was last confirmed',
];

export function helpText(): string[] {
  const keys = helpLines().map((l) => `${fit(l.keys, 12)} ${fit(l.help, 45)} ${l.views}`);
  return [...keys, '', ...MARKS];
}

export function HelpView({ top, height }: { top: number; height: number }) {
  const lines = helpText();
  const rows = pagedRows(height);
  const start = Math.max(0, Math.min(top, lines.length - rows));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        Keys{lines.length > rows ? ` (${start + 1}-${Math.min(lines.length, start + rows)} of ${lines.length}, ↑↓ scroll)` : ''}
      </Text>
      {lines.slice(start, start + rows).map((l, i) => (
        <Text key={i} wrap="truncate">
          {l || ' '}
        </Text>
      ))}
    </Box>
  );
}
