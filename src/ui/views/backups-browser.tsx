// The backups browser (B): every cluster the console sees and every deleted
// one the bucket still holds (by name and uid), with the age of its last base
// and logical backup (OVERDUE marked with '!'), and how far its window reaches.
// enter/C clones the selected one, D restores one of its logical backups.
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import type { BackupsState } from '../../services/live/backups-types.ts';
import { HeaderRow, Row, layout, windowed, type Column } from '../components/columns.tsx';
import { formatDuration } from '../format.ts';
import { listRows } from '../layout.ts';
import { useLook } from '../look.ts';
import { agesOf, shortTime } from './backups-format.ts';
import type { BrowserEntry } from './backups-wizard.ts';

interface Line {
  e: BrowserEntry;
  now: number;
}

const age = (ms: number | undefined, overdue: boolean) => (ms === undefined ? (overdue ? 'none!' : 'none') : `${formatDuration(ms)}${overdue ? '!' : ''}`);

const COLUMNS: Column<Line>[] = [
  { title: 'CLUSTER', width: 16, cell: ({ e }) => e.source.cluster },
  { title: 'STATE', width: 7, cell: ({ e }) => (e.source.deleted ? 'deleted' : 'live'), tone: ({ e }) => (e.source.deleted ? 'warn' : undefined) },
  { title: 'UID', width: 8, drop: 2, cell: ({ e }) => e.source.uid.slice(0, 8) || '-' },
  { title: 'BASE', width: 5, cell: ({ e, now }) => (e.view?.catalog ? age(agesOf(e.view, now)!.base.ageMs, agesOf(e.view, now)!.base.overdue) : e.view?.unconfigured ? '-' : '…'), tone: ({ e, now }) => (agesOf(e.view, now)?.base.overdue ? 'bad' : undefined) },
  { title: 'LOGICAL', width: 7, cell: ({ e, now }) => (e.view?.catalog ? age(agesOf(e.view, now)!.logical.ageMs, agesOf(e.view, now)!.logical.overdue) : e.view?.unconfigured ? '-' : '…'), tone: ({ e, now }) => (agesOf(e.view, now)?.logical.overdue ? 'bad' : undefined) },
  { title: 'RESTORABLE TO', width: 17, cell: ({ e }) => (e.view?.catalog ? (e.view.catalog.window.to ? shortTime(e.view.catalog.window.to) : 'no window') : '') },
  {
    title: 'NOTE',
    width: 8,
    grow: true,
    cell: ({ e }) => (e.view?.unconfigured ? 'no bucket' : e.view?.error ? `cannot read: ${e.view.error}` : e.view?.catalog?.window.gaps.length ? `gap TL ${e.view.catalog.window.gaps[0].timeline}` : ''),
    tone: ({ e }) => (e.view?.error || e.view?.catalog?.window.gaps.length ? 'bad' : undefined),
  },
];

export function BackupsBrowser({ entries, cursor, backups, width, height, now }: { entries: BrowserEntry[]; cursor: number; backups: BackupsState; width: number; height: number; now: number }) {
  const { plain } = useLook();
  const columns = useMemo(() => layout(COLUMNS, width, plain), [width, plain]);
  const deleted = entries.filter((e) => e.source.deleted).length;
  const listing = backups.deleted ? (backups.deleted.error ? ` · deleted clusters: ${backups.deleted.error}` : ` · ${deleted} deleted`) : ' · listing deleted clusters…';
  if (backups.configured === false) {
    return (
      <Box flexDirection="column">
        <Text bold>Backups</Text>
        <Text>No backup bucket configured{backups.source ? ` (${backups.source})` : ''}: set the operator&apos;s wal_s3_bucket (or WAL_S3_BUCKET for zpg).</Text>
      </Box>
    );
  }
  const { visible, offset } = windowed(entries, cursor, listRows(height) - 1);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>Backups</Text> in {backups.source ?? "each cluster's own store"} · {entries.length - deleted} live{listing}
      </Text>
      <HeaderRow columns={columns} />
      {visible.map((e, i) => (
        <Row key={`${e.source.deleted ? 'd' : 'l'}/${e.source.namespace}/${e.source.cluster}/${e.source.uid}`} columns={columns} row={{ e, now }} selected={offset + i === cursor} />
      ))}
      {entries.length === 0 && <Text dimColor>No clusters.</Text>}
    </Box>
  );
}
