// A member's log: the newest lines while following, or held where the user
// scrolled to (old lines leave the ring at the top; the view keeps its line).
import { Box, Text } from 'ink';
import type { LogView as LogData } from '../../store/store.ts';
import { formatDuration, printable } from '../format.ts';
import { pagedRows } from '../layout.ts';
import { useNow } from '../hooks/use-now.ts';

/** The absolute number of the first line shown. */
export function logWindowStart(log: LogData | undefined, top: number | undefined, rows: number): number {
  const first = log?.first ?? 0;
  const count = log?.lines.length ?? 0;
  const bottom = Math.max(first, first + count - rows);
  return top === undefined ? bottom : Math.max(first, Math.min(top, bottom));
}

export function LogView({ pod, log, top, height }: { pod: string; log?: LogData; top?: number; height: number }) {
  const failing = log?.state === 'error';
  // While failing, the reason takes the first line under the title.
  const rows = pagedRows(height) - (failing ? 1 : 0);
  const now = useNow(failing);
  const start = logWindowStart(log, top, rows);
  const first = log?.first ?? 0;
  const lines = log ? log.lines.slice(start - first, start - first + rows) : [];
  const total = first + (log?.lines.length ?? 0);
  let state: string;
  if (!log || log.state === 'connecting') state = 'connecting…';
  else if (top === undefined) state = `following · ${total} line${total === 1 ? '' : 's'}`;
  else state = `held at ${start + 1}-${start + lines.length} of ${total} · f or G follows`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>log {pod}</Text> ·{' '}
        {failing ? (
          <Text color="yellow">
            <Text bold>STALE</Text> {log?.at ? `last line ${formatDuration(now - log.at)} ago` : 'nothing read yet'}, retrying
          </Text>
        ) : (
          state
        )}
      </Text>
      {failing ? (
        <Text color="yellow" wrap="truncate">
          {log?.error}
        </Text>
      ) : null}
      {lines.length === 0 && log?.state !== 'connecting' ? <Text dimColor>No log lines yet.</Text> : null}
      {lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {printable(l) || ' '}
        </Text>
      ))}
    </Box>
  );
}
