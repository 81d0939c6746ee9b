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

const HELP_WIDTH = 45;

/** Words into lines of at most `width` (a longer word is cut): a key's help reads whole, never with "…". */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word.slice(0, width);
  }
  return line ? [...lines, line] : lines;
}

/** what is left of 79 columns for the views a key works in, beside its keys (12) and help */
const VIEWS_WIDTH = 79 - 13 - HELP_WIDTH - 1;

export function helpText(): string[] {
  const keys = helpLines().flatMap((l) => {
    const help = wrapWords(l.help, HELP_WIDTH);
    const views = wrapWords(l.views, VIEWS_WIDTH);
    return Array.from({ length: Math.max(help.length, views.length) }, (_, i) =>
      `${i === 0 ? fit(l.keys, 12) : ' '.repeat(12)} ${views[i] ? `${fit(help[i] ?? '', HELP_WIDTH)} ${views[i]}` : (help[i] ?? '')}`,
    );
  });
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
