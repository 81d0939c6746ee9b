// Pre-laid-out lines for the cluster view's lower pane (history, replication):
// the pane scrolls over lines, so the tables are cut to the width first.
import { Text } from 'ink';
import { TONE_COLOURS, fit, layout, type Column, type Tone } from '../components/columns.tsx';

export interface PaneLine {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

/** A table as pane lines: its header (bold), then one line per row, toned by `tone`. */
export function tableLines<T>(columns: Column<T>[], rows: T[], width: number, tone?: (row: T) => Tone | undefined): PaneLine[] {
  const cols = layout(columns, width);
  const line = (cells: string[]) => cells.map((c, i) => fit(c, cols[i].width)).join(' ').trimEnd();
  return [{ text: line(cols.map((c) => c.title)), bold: true }, ...rows.map((r) => ({ text: line(cols.map((c) => c.cell(r))), tone: tone?.(r) }))];
}

export function PaneText({ line }: { line: PaneLine }) {
  return (
    <Text wrap="truncate" bold={line.bold || line.tone === 'bad'} color={line.tone ? TONE_COLOURS[line.tone] : undefined}>
      {line.text || ' '}
    </Text>
  );
}
