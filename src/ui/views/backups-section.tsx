// One cluster's backups (b in the cluster view): the restorable window as a
// time line with its gaps, the timelines, how old the last base and logical
// backups are (red and OVERDUE! past their schedule), then the base backups
// and the logical backups, newest first. Reads what the backups feed stored.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { BaseBackup } from '../../services/backups/base-backups.ts';
import type { LogicalBackup } from '../../services/backups/logical-list.ts';
import type { BackupAge } from '../../services/live/backups-schedule.ts';
import type { BackupsState, ClusterBackupsView } from '../../services/live/backups-types.ts';
import { HeaderRow, Row, layout, windowed, type Column } from '../components/columns.tsx';
import { formatBytes, formatDuration } from '../format.ts';
import { useLook } from '../look.ts';
import { BAR_CHARS, agesOf, every, shortTime, timelinePath, windowBar, type BarCell } from './backups-format.ts';

interface Timed<T> {
  b: T;
  now: number;
}

const size = (n: number | undefined) => (n === undefined ? '-' : formatBytes(n));

const BASE_COLUMNS: Column<Timed<BaseBackup>>[] = [
  { title: 'BASE BACKUP', width: 30, grow: true, cell: ({ b }) => b.id },
  { title: 'TL', width: 3, cell: ({ b }) => String(b.timeline) },
  { title: 'FINISHED', width: 17, cell: ({ b }) => shortTime(b.finishTime) },
  { title: 'AGE', width: 4, cell: ({ b, now }) => formatDuration(now - Date.parse(b.finishTime)) },
  { title: 'SIZE', width: 8, drop: 1, cell: ({ b }) => size(b.compressedSize ?? b.uncompressedSize) },
  { title: 'FMT', width: 5, drop: 2, cell: ({ b }) => b.format },
];

const LOGICAL_COLUMNS: Column<Timed<LogicalBackup>>[] = [
  { title: 'LOGICAL BACKUP', width: 20, grow: true, cell: ({ b }) => b.id },
  { title: 'KIND', width: 8, cell: ({ b }) => (b.kind === 'logical-set' ? 'set' : 'dumpall') },
  { title: 'TAKEN', width: 17, cell: ({ b }) => shortTime(b.time) },
  { title: 'AGE', width: 4, cell: ({ b, now }) => formatDuration(now - Date.parse(b.time)) },
  { title: 'SIZE', width: 8, drop: 1, cell: ({ b }) => size(b.size) },
  { title: 'DBS', width: 10, drop: 2, cell: ({ b }) => b.databases?.join(',') ?? 'all' },
];

const BAR_COLOURS: Record<BarCell, string | undefined> = { backup: 'cyan', ok: 'green', gap: 'red', open: undefined };

function Bar({ cells }: { cells: BarCell[] }) {
  const { plain } = useLook();
  if (plain) return <>{cells.map((c) => BAR_CHARS[c]).join('')}</>;
  // runs of one kind, one Text each
  const runs: { cell: BarCell; n: number }[] = [];
  for (const c of cells) {
    const last = runs.at(-1);
    if (last?.cell === c) last.n++;
    else runs.push({ cell: c, n: 1 });
  }
  return (
    <>
      {runs.map((r, i) => (
        <Text key={i} color={BAR_COLOURS[r.cell]} dimColor={r.cell === 'open'} bold={r.cell === 'gap'}>
          {BAR_CHARS[r.cell].repeat(r.n)}
        </Text>
      ))}
    </>
  );
}

/** `short`: the age alone, for the cluster view's one line */
function Age({ label, age, expected, short }: { label: string; age: BackupAge; expected: boolean; short?: boolean }) {
  const text = age.ageMs !== undefined ? `${formatDuration(age.ageMs)}${short ? '' : ' ago'}` : 'none';
  const when = short ? '' : age.periodMs !== undefined ? ` (${every(age.periodMs)})` : expected ? '' : ' (no schedule)';
  return (
    <Text color={age.overdue ? 'red' : undefined} bold={age.overdue}>
      {label} {text}
      {age.overdue ? ' OVERDUE!' : ''}
      {when}
    </Text>
  );
}

export interface BackupsSectionProps {
  /** namespace/name */
  cluster: string;
  view?: ClusterBackupsView;
  backups: BackupsState;
  width: number;
  height: number;
  now: number;
  /** the selected row: base backups then logical ones, newest first (sectionRows), -1 for none; C and D start on it */
  cursor?: number;
}

/** Lines above the two tables: title, window, bar, timelines/gaps, ages. */
const FIXED_LINES = 5;

export function BackupsSection({ cluster, view, backups, width, height, now, cursor = -1 }: BackupsSectionProps) {
  const { plain } = useLook();
  const baseCols = useMemo(() => layout(BASE_COLUMNS, width, plain), [width, plain]);
  const logicalCols = useMemo(() => layout(LOGICAL_COLUMNS, width, plain), [width, plain]);
  const title = (
    <Text wrap="truncate">
      <Text bold>{cluster}</Text> backups{view?.at && !view.unconfigured ? ` · read ${formatDuration(now - view.at)} ago` : ''} · {view?.source ?? backups.source ?? (view?.unconfigured ? 'no bucket' : 'S3')}
    </Text>
  );
  if (backups.configured === false || view?.unconfigured) {
    return (
      <Box flexDirection="column">
        {title}
        <Text>
          No backup bucket configured{backups.source && !view?.unconfigured ? ` (${backups.source})` : ''}: set the operator&apos;s wal_s3_bucket
          {view?.unconfigured ? ' or WAL_S3_BUCKET in the spec.env of this cluster' : ' (or WAL_S3_BUCKET for zpg)'}.
        </Text>
      </Box>
    );
  }
  const c = view?.catalog;
  if (!c) {
    return (
      <Box flexDirection="column">
        {title}
        {view?.error ? <Text color="red">Cannot read the backups: {view.error}</Text> : <Text dimColor>Reading the backup catalog…</Text>}
      </Box>
    );
  }
  const ages = agesOf(view, now)!;
  const w = c.window;
  const label = w.from ? shortTime(w.from) : '';
  const barWidth = Math.max(10, width - label.length - 8 - (plain ? 1 : 0));
  const cells = windowBar(view, barWidth, now);
  const gap = w.gaps[0];
  const base = [...c.baseBackups].reverse();
  const logical = [...c.logicalBackups].reverse();
  // Both tables share what is left; each keeps a title line and a header.
  const room = Math.max(0, height - FIXED_LINES - (view.error ? 1 : 0) - 4);
  const inBase = cursor < base.length;
  // a selected logical backup gets a row even when the base backups fill the screen
  const baseRows = Math.min(base.length, Math.max(1, room - Math.min(logical.length, Math.max(inBase ? 0 : 1, Math.floor(room / 2)))));
  const logicalRows = Math.min(logical.length, Math.max(inBase ? 0 : 1, room - baseRows));
  // each table scrolls to the selected row when it holds it
  const shownBase = windowed(base, inBase ? Math.max(0, cursor) : 0, baseRows);
  const shownLogical = windowed(logical, inBase ? 0 : cursor - base.length, logicalRows);
  const more = (all: number, shown: { visible: unknown[]; offset: number }) => (shown.offset ? `… ${all - shown.visible.length} more` : `… ${all - shown.visible.length} older`);
  return (
    <Box flexDirection="column">
      {title}
      {view.error && (
        <Text color="yellow" wrap="truncate">
          STALE: the last read failed: {view.error}
        </Text>
      )}
      <Text wrap="truncate">
        Window{' '}
        {w.from && w.to ? (
          <>
            {shortTime(w.from)} → {shortTime(w.to)} ({formatDuration(Date.parse(w.to) - Date.parse(w.from))}), up to {formatDuration(now - Date.parse(w.to))} ago
          </>
        ) : (
          <Text color="red" bold>
            none: {c.baseBackups.length ? 'the WAL after the newest backup is incomplete' : 'no base backup'}
          </Text>
        )}
      </Text>
      <Text wrap="truncate">
        {label ? `${label} ` : ''}
        <Bar cells={cells} /> now
      </Text>
      <Text wrap="truncate">
        {timelinePath(view) || 'no timeline history'}
        {gap ? (
          <Text color="red" bold>
            {' '}
            · x GAP on TL {gap.timeline}: {gap.from === gap.to ? gap.from : `${gap.from}…${gap.to.slice(-8)}`} missing{w.gaps.length > 1 ? ` (+${w.gaps.length - 1})` : ''}
          </Text>
        ) : (
          ' · no gaps'
        )}
      </Text>
      <Text wrap="truncate">
        <Age label="Last base backup" age={ages.base} expected={view.schedules.base !== undefined} /> ·{' '}
        <Age label="logical" age={ages.logical} expected={view.schedules.logical !== undefined} />
      </Text>
      <HeaderRow columns={baseCols} />
      {shownBase.visible.map((b, i) => (
        <Row key={b.id} columns={baseCols} row={{ b, now }} selected={inBase && shownBase.offset + i === cursor} />
      ))}
      {base.length === 0 && <Text dimColor>No base backups.</Text>}
      {base.length > shownBase.visible.length && <Text dimColor>{more(base.length, shownBase)}</Text>}
      <HeaderRow columns={logicalCols} />
      {shownLogical.visible.map((b, i) => (
        <Row key={b.id} columns={logicalCols} row={{ b, now }} selected={!inBase && shownLogical.offset + i === cursor - base.length} />
      ))}
      {logical.length === 0 && <Text dimColor>No logical backups.</Text>}
      {logical.length > shownLogical.visible.length && shownLogical.visible.length > 0 && <Text dimColor>{more(logical.length, shownLogical)}</Text>}
    </Box>
  );
}

/**
 * One line in the cluster view (b opens the rest): the age of the last base and logical backup, red with
 * OVERDUE! when one is, and how far the window reaches. Nothing until a backups feed runs.
 */
export function BackupsLine({ view, backups, now }: { view?: ClusterBackupsView; backups: BackupsState; now: number }) {
  if (backups.configured === undefined) return null;
  if (backups.configured === false || view?.unconfigured) return <Text dimColor>Backups: no backup bucket configured</Text>;
  if (!view?.catalog) return <Text dimColor wrap="truncate">Backups: {view?.error ? `cannot read: ${view.error}` : 'reading…'}</Text>;
  const ages = agesOf(view, now)!;
  const to = view.catalog.window.to;
  return (
    <Text wrap="truncate">
      Backups: <Age label="base" age={ages.base} expected={view.schedules.base !== undefined} short /> · <Age label="logical" age={ages.logical} expected={view.schedules.logical !== undefined} short /> ·{' '}
      {view.catalog.window.gaps.length ? <Text color="red">x GAP · </Text> : null}
      {to ? `window to ${shortTime(to)}` : <Text color="red">no restorable window</Text>}
    </Text>
  );
}
