// A member's log: the newest lines while following, or held where the user
// scrolled to (old lines leave the ring at the top; the view keeps its line).
// Long lines wrap by default (w cuts them at the edge instead); a search
// highlights its matches; PostgreSQL's ERROR, FATAL and PANIC lines are red
// (and marked '!' in a gutter where there is no colour); a restart is a marker line.
import { Box, Text } from 'ink';
import type { LogView as LogData } from '../../store/store.ts';
import { RESTART_MARK } from '../../services/live/log-marks.ts';
import { formatDuration, printable } from '../format.ts';
import { pagedRows } from '../layout.ts';
import { useNow } from '../hooks/use-now.ts';
import { useLook } from '../look.ts';

const rowsOf = (text: string, width: number, wrap: boolean) => (wrap ? Math.max(1, Math.ceil(text.length / Math.max(1, width))) : 1);

/** The absolute number of the first line of the last page: as many whole lines from the end as fit in `rows`. */
export function logBottomLine(log: LogData | undefined, rows: number, width = Infinity, wrap = false): number {
  const first = log?.first ?? 0;
  const lines = log?.lines ?? [];
  let used = 0;
  let i = lines.length - 1;
  for (; i >= 0; i--) {
    const h = rowsOf(printable(lines[i]), width, wrap);
    if (used + h > rows) break;
    used += h;
  }
  return Math.min(first + i + 1, Math.max(first, first + lines.length - 1));
}

/** The absolute number of the first line shown. */
export function logWindowStart(log: LogData | undefined, top: number | undefined, rows: number, width = Infinity, wrap = false): number {
  const first = log?.first ?? 0;
  const bottom = logBottomLine(log, rows, width, wrap);
  return top === undefined ? bottom : Math.max(first, Math.min(top, bottom));
}

export type Severity = 'bad' | 'warn' | undefined;

/** PostgreSQL's (and Patroni's) severity word in a line */
export function severityOf(line: string): Severity {
  if (/\b(PANIC|FATAL|ERROR)\b:?/.test(line)) return 'bad';
  if (/\bWARNING\b:?/.test(line)) return 'warn';
  return undefined;
}

interface Piece {
  text: string;
  hit: boolean;
}

/** A line cut into screen rows of `width`, each row in pieces marking the search matches. */
export function layoutLine(text: string, term: string, width: number, wrap: boolean): Piece[][] {
  const hits = new Array<boolean>(text.length).fill(false);
  const t = term.toLowerCase();
  if (t) {
    const low = text.toLowerCase();
    for (let at = low.indexOf(t); at >= 0; at = low.indexOf(t, at + t.length)) hits.fill(true, at, at + t.length);
  }
  const rows: Piece[][] = [];
  const step = Math.max(1, width);
  for (let start = 0; start < Math.max(1, text.length); start += step) {
    const row: Piece[] = [];
    const end = wrap ? Math.min(text.length, start + step) : text.length;
    for (let i = start; i < end; ) {
      let j = i;
      while (j < end && hits[j] === hits[i]) j++;
      row.push({ text: text.slice(i, j), hit: hits[i] });
      i = j;
    }
    rows.push(row.length ? row : [{ text: ' ', hit: false }]);
    if (!wrap) break;
  }
  return rows;
}

export interface LogViewProps {
  pod: string;
  log?: LogData;
  top?: number;
  height: number;
  width?: number;
  wrap?: boolean;
  search?: string;
  previous?: boolean;
}

export function LogView({ pod, log, top, height, width = 80, wrap = true, search = '', previous = false }: LogViewProps) {
  const { plain } = useLook();
  const failing = log?.state === 'error';
  // While failing, the reason takes the first line under the title.
  const rows = pagedRows(height) - (failing ? 1 : 0);
  const now = useNow(failing);
  // Without colour a one-character gutter carries the marks.
  const textWidth = width - (plain ? 1 : 0);
  const start = logWindowStart(log, top, rows, textWidth, wrap);
  const first = log?.first ?? 0;
  const total = first + (log?.lines.length ?? 0);
  const screenRows: { key: string; pieces: Piece[]; severity: Severity; marker: boolean; hit: boolean; head: boolean }[] = [];
  let last = start;
  for (let n = start; log && n < total && screenRows.length < rows; n++) {
    const raw = log.lines[n - first];
    const text = printable(raw);
    const marker = raw.startsWith(RESTART_MARK);
    const severity = marker ? undefined : severityOf(text);
    const parts = layoutLine(text, search, textWidth, wrap);
    const hit = parts.some((r) => r.some((p) => p.hit));
    parts.slice(0, rows - screenRows.length).forEach((pieces, i) => screenRows.push({ key: `${n}.${i}`, pieces, severity, marker, hit, head: i === 0 }));
    last = n;
  }
  const which = previous ? ' (previous container)' : '';
  let state: string;
  if (!log || log.state === 'connecting') state = 'connecting…';
  else if (log.state === 'complete') state = `${total} line${total === 1 ? '' : 's'}, complete · p: the running container`;
  else if (top === undefined) state = `following · ${total} line${total === 1 ? '' : 's'}`;
  else state = `held at ${start + 1}-${last + 1} of ${total} · f or G follows`;
  const searching = search ? ` · /${search}` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>
          log {pod}
          {which}
        </Text>{' '}
        ·{' '}
        {failing ? (
          <Text color="yellow">
            <Text bold>STALE</Text> {log?.at ? `last line ${formatDuration(now - log.at)} ago` : 'nothing read yet'}, retrying
          </Text>
        ) : (
          state
        )}
        {searching}
      </Text>
      {failing ? (
        <Text color="yellow" wrap="truncate">
          {log?.error}
        </Text>
      ) : null}
      {screenRows.length === 0 && log?.state !== 'connecting' ? <Text dimColor>No log lines yet.</Text> : null}
      {screenRows.map((r) => (
        <Text key={r.key} wrap="truncate" bold={r.marker} color={plain ? undefined : r.marker ? 'cyan' : r.severity === 'bad' ? 'red' : r.severity === 'warn' ? 'yellow' : undefined}>
          {plain ? (r.head ? (r.severity === 'bad' ? '!' : r.hit ? '*' : ' ') : ' ') : ''}
          {r.pieces.map((p, i) => (
            <Text key={i} inverse={p.hit && !plain}>
              {p.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
