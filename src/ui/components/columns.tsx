// Fixed-width columns: a table that keeps its shape at 80 columns and wider.
import { Box, Text } from 'ink';

export interface Column<T> {
  title: string;
  width: number;
  /** the column that takes the space left over */
  grow?: boolean;
  cell: (row: T) => string;
}

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}

export function layout<T>(columns: Column<T>[], total: number): Column<T>[] {
  const fixed = columns.reduce((n, c) => n + (c.grow ? 0 : c.width + 1), 0);
  return columns.map((c) => (c.grow ? { ...c, width: Math.max(c.width, total - fixed - 1) } : c));
}

export function Row<T>({ columns, row, selected }: { columns: Column<T>[]; row: T; selected: boolean }) {
  const text = columns.map((c) => fit(c.cell(row), c.width)).join(' ');
  return <Text inverse={selected}>{text}</Text>;
}

export function HeaderRow<T>({ columns }: { columns: Column<T>[] }) {
  return (
    <Box>
      <Text bold>{columns.map((c) => fit(c.title, c.width)).join(' ')}</Text>
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
