// Fixed-width columns: a table that keeps its shape at 80 columns and wider.
// Plain terminals (NO_COLOR) have no inverse video: the cursor row gets a '>'
// in a one-character gutter instead.
import { Box, Text } from 'ink';
import { Fragment, memo } from 'react';
import { useLook } from '../look.ts';

export interface Column<T> {
  title: string;
  width: number;
  /** the column that takes the space left over; `width` is then its minimum */
  grow?: boolean;
  /** on narrow screens columns go, highest number first, until the growing one has its minimum */
  drop?: number;
  cell: (row: T) => string;
  /** cut a long value in the middle, not at the end: member names differ only in their ordinal */
  keepEnd?: boolean;
  /** how loud the cell is: bad (red), warn (yellow), good (green); the text itself must say it too, for NO_COLOR */
  tone?: (row: T) => Tone | undefined;
}

export type Tone = 'bad' | 'warn' | 'good';
export const TONE_COLOURS: Record<Tone, string> = { bad: 'red', warn: 'yellow', good: 'green' };

export function fit(text: string, width: number, keepEnd = false): string {
  if (width <= 0) return '';
  if (text.length <= width) return text.padEnd(width);
  if (!keepEnd || width < 5) return `${text.slice(0, Math.max(0, width - 1))}…`;
  const tail = Math.ceil((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(-tail)}`;
}

/**
 * Columns for `total` characters: the growing one takes what is left (one
 * column spare, for terminals that wrap at the margin); when that is below its
 * minimum, droppable columns go first.
 */
export function layout<T>(columns: Column<T>[], total: number, plain = false): Column<T>[] {
  const room = total - (plain ? 1 : 0);
  let kept = columns;
  const fixedOf = (cs: Column<T>[]) => cs.reduce((n, c) => n + (c.grow ? 0 : c.width + 1), 0);
  // the growing column may itself be droppable (a message column with nothing to say): gone, it needs no room
  const minOf = (cs: Column<T>[]) => cs.find((c) => c.grow)?.width ?? 0;
  while (room - fixedOf(kept) - 1 < minOf(kept)) {
    const victim = kept.filter((c) => c.drop !== undefined).sort((a, b) => b.drop! - a.drop!)[0];
    if (!victim) break;
    kept = kept.filter((c) => c !== victim);
  }
  const fixed = fixedOf(kept);
  return kept.map((c) => (c.grow ? { ...c, width: Math.max(minOf(kept), room - fixed - 1) } : c));
}

function RowImpl<T>({ columns, row, selected }: { columns: Column<T>[]; row: T; selected: boolean }) {
  const { plain } = useLook();
  const cells = columns.map((c) => fit(c.cell(row), c.width, c.keepEnd));
  const text = cells.join(' ');
  if (plain) return <Text wrap="truncate">{`${selected ? '>' : ' '}${text}`}</Text>;
  const tones = columns.map((c) => c.tone?.(row));
  if (!tones.some(Boolean)) {
    return (
      <Text inverse={selected} wrap="truncate">
        {text}
      </Text>
    );
  }
  return (
    <Text inverse={selected} wrap="truncate">
      {cells.map((cell, i) => (
        <Text key={i} color={tones[i] ? TONE_COLOURS[tones[i]] : undefined} bold={tones[i] === 'bad'}>
          {i > 0 ? ` ${cell}` : cell}
        </Text>
      ))}
    </Text>
  );
}
/** Rows re-render only when their data or selection changes. */
export const Row = memo(RowImpl) as typeof RowImpl;

/** `sorted`: the title of the column the rows are sorted by, marked with ▼ (and underlined where there is colour) */
export function HeaderRow<T>({ columns, sorted }: { columns: Column<T>[]; sorted?: string }) {
  const { plain } = useLook();
  return (
    <Box>
      <Text bold wrap="truncate">
        {plain ? ' ' : ''}
        {columns.map((c, i) => {
          const mine = c.title === sorted;
          const title = fit(mine ? `${c.title}▼` : c.title, c.width);
          return (
            <Fragment key={c.title}>
              {i > 0 ? ' ' : ''}
              <Text underline={mine && !plain}>{title}</Text>
            </Fragment>
          );
        })}
      </Text>
    </Box>
  );
}

/** The slice of rows that fits in `height`, keeping the cursor visible. */
export function windowed<T>(rows: T[], cursor: number, height: number): { visible: T[]; offset: number } {
  if (rows.length <= height) return { visible: rows, offset: 0 };
  const offset = Math.min(Math.max(0, cursor - height + 1), rows.length - height, Math.max(0, cursor - Math.floor(height / 2)));
  const start = Math.max(0, Math.min(offset, cursor));
  return { visible: rows.slice(start, start + height), offset: start };
}
