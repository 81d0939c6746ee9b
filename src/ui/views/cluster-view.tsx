// One cluster: what an operator checks first (leader, readiness, status, where
// the member data comes from), the members as `patronictl list` shows them,
// then a pane with the recent events or the manifest as YAML.
import { Box, Text } from 'ink';
import { useMemo, type ReactNode } from 'react';
import type { ClusterRow, MemberRow } from '../../services/clusters/summary.ts';
import type { EventLike, PatroniView, StatefulSetLike } from '../../store/store.ts';
import { eventTime } from '../../store/selectors.ts';
import { HeaderRow, Row, TONE_COLOURS, fit, layout, windowed, type Column } from '../components/columns.tsx';
import { isLeaderRole } from '../../services/patroni/types.ts';
import { HEALTH_TONES } from './clusters-view.tsx';
import { formatDuration, formatLag, printable, readableReason } from '../format.ts';
import { clusterLayout } from '../layout.ts';
import { useLook } from '../look.ts';
import type { UiState } from '../ui-state.ts';
import { Staleness } from './staleness.tsx';
import { PaneText, type PaneLine } from './pane-lines.tsx';

const over = (m: MemberRow, limit: number) => typeof m.lagBytes === 'number' && limit > 0 && m.lagBytes > limit;

const BAD_STATES = new Set(['crashed', 'start failed', 'stopped', 'stopping', 'restart failed']);
const HEALTHY_STATES = new Set(['running', 'streaming']);

/** `limit`: the cluster's maximum_lag_on_failover; a lag over it gets a '!' (and red) */
const memberColumns = (limit: number): Column<MemberRow>[] => [
  { title: 'MEMBER', width: 14, grow: true, cell: (m) => m.name },
  { title: 'HOST', width: 15, drop: 2, cell: (m) => m.host ?? '' },
  { title: 'ROLE', width: 12, cell: (m) => m.role },
  { title: 'STATE', width: 10, cell: (m) => m.state, tone: (m) => (BAD_STATES.has(m.state) ? 'bad' : isLeaderRole(m.role) ? (m.state === 'running' ? undefined : 'bad') : HEALTHY_STATES.has(m.state) ? undefined : 'warn') },
  // The pod's own word: a leader Patroni still names in its DCS can be Terminating or not ready.
  { title: 'READY', width: 5, cell: (m) => (m.podReady ? '1/1' : '0/1'), tone: (m) => (m.podReady ? undefined : 'warn') },
  { title: 'POD', width: 11, cell: (m) => m.podPhase ?? '', tone: (m) => (m.podPhase === 'Running' ? undefined : m.podPhase === 'Pending' ? 'warn' : 'bad') },
  { title: 'TL', width: 3, drop: 1, cell: (m) => m.timeline?.toString() ?? '' },
  { title: 'LAG', width: 5, cell: (m) => formatLag(m.lagBytes) + (over(m, limit) ? '!' : ''), tone: (m) => (over(m, limit) ? 'bad' : undefined) },
  { title: 'R', width: 1, cell: (m) => (m.pendingRestart ? '*' : ''), tone: (m) => (m.pendingRestart ? 'warn' : undefined) },
  { title: 'SRC', width: 3, cell: (m) => (m.source === 'patroni' ? 'api' : 'pod') },
];

interface EventRow {
  key: string;
  event: EventLike;
  now: number;
}

const EVENT_COLUMNS: Column<EventRow>[] = [
  { title: 'AGE', width: 4, cell: (r) => (eventTime(r.event) ? formatDuration(r.now - eventTime(r.event)) : '-') },
  { title: 'TYPE', width: 7, cell: (r) => r.event.type ?? '' },
  { title: 'REASON', width: 16, cell: (r) => r.event.reason ?? '' },
  { title: 'OBJECT', width: 16, drop: 1, cell: (r) => r.event.involvedObject?.name ?? '' },
  { title: 'MESSAGE', width: 10, grow: true, cell: (r) => printable(r.event.message ?? '') + ((r.event.count ?? 1) > 1 ? ` (x${r.event.count})` : '') },
];

export interface ClusterViewProps {
  row?: ClusterRow;
  statefulset?: StatefulSetLike;
  patroni?: PatroniView;
  events: EventLike[];
  manifest: string[];
  /** the history (h) or replication (r) pane, laid out to the width */
  detail?: PaneLine[];
  /** one line on the cluster's backups (src/ui/views/backups-section.tsx), when a backups feed runs */
  backupsLine?: ReactNode;
  ui: Pick<UiState, 'member' | 'pane' | 'paneFocus' | 'paneTop'>;
  width: number;
  height: number;
}

function sts(s: StatefulSetLike | undefined): string {
  if (!s) return '';
  const rolling = s.status?.updateRevision && s.status.currentRevision !== s.status.updateRevision ? ', rolling' : '';
  return ` · sts ${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}${rolling}`;
}

/** the events pane spends a line on its column header */
export const paneLinesShown = (pane: UiState['pane'], paneRows: number) => Math.max(1, pane === 'events' ? paneRows - 1 : paneRows);

export function ClusterView({ row, statefulset, patroni, events, manifest, detail = [], backupsLine, ui, width, height }: ClusterViewProps) {
  const { plain } = useLook();
  const limit = row?.failoverLimitBytes ?? 0;
  const memberCols = useMemo(() => layout(memberColumns(limit), width, plain), [width, plain, limit]);
  const eventColumns = useMemo(() => layout(EVENT_COLUMNS, width, plain), [width, plain]);
  if (!row) return <Text color="yellow">This cluster is gone. Press esc to go back.</Text>;
  // The operator's not-True conditions get a line of their own, taken from the pane.
  const { memberRows, paneRows } = clusterLayout(height - (row.problems.length > 0 ? 1 : 0) - (row.reasons.length > 0 ? 1 : 0) - (patroni?.paused ? 1 : 0) - (backupsLine ? 1 : 0), row.members.length);
  const { visible, offset } = windowed(row.members, ui.member, memberRows);
  const lines = ui.pane === 'events' ? events.length : ui.pane === 'manifest' ? manifest.length : detail.length;
  const page = paneLinesShown(ui.pane, paneRows);
  const top = Math.max(0, Math.min(ui.paneTop, lines - page));
  const now = Date.now();
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>{row.name}</Text> in {row.namespace} · team {row.team || '-'} · PostgreSQL {row.version || '?'}
        {sts(statefulset)}
        {row.image ? ` · ${row.image.split('/').pop()}` : ''}
      </Text>
      <Text wrap="truncate">
        Pods {row.ready}/{row.total} ready of {row.wanted} · leader {row.leader ?? 'none'}
        {row.timeline !== undefined ? ` (TL ${row.timeline})` : ''} ·{' '}
        <Text color={HEALTH_TONES[row.health] ? TONE_COLOURS[HEALTH_TONES[row.health]] : undefined}>{row.health}</Text> · operator {row.operatorStatus || '-'}
      </Text>
      {row.reasons.length > 0 && (
        <Text wrap="truncate" color={row.health === 'NoLeader' ? 'red' : 'yellow'}>
          {row.health}: {row.reasons.map(readableReason).join('; ')}
        </Text>
      )}
      {row.problems.length > 0 && (
        <Text wrap="truncate" color="yellow">
          {row.problems.map((c) => `${c.type} ${c.status}: ${c.message ?? c.reason ?? ''}`).join(' · ')}
        </Text>
      )}
      {patroni?.paused && (
        <Text wrap="truncate" color="magenta" bold>
          MAINTENANCE MODE: Patroni is paused, no automatic failover
        </Text>
      )}
      <Staleness view={patroni} />
      {backupsLine}
      <HeaderRow columns={memberCols} />
      {visible.map((m, i) => (
        <Row key={m.name} columns={memberCols} row={m} selected={!ui.paneFocus && offset + i === ui.member} />
      ))}
      {row.members.length === 0 && <Text dimColor>No member pods yet.</Text>}
      <PaneTitle pane={ui.pane} focus={ui.paneFocus} top={top} shown={Math.min(page, lines - top)} total={lines} width={width} />
      {ui.pane === 'events' ? (
        events.length === 0 ? (
          <Text dimColor>No events for this cluster.</Text>
        ) : (
          <>
            <HeaderRow columns={eventColumns} />
            {events.slice(top, top + page).map((e, i) => (
              <Row key={i} columns={eventColumns} row={{ key: String(i), event: e, now }} selected={false} />
            ))}
          </>
        )
      ) : ui.pane !== 'manifest' ? (
        detail.slice(top, top + page).map((l, i) => <PaneText key={i} line={l} />)
      ) : (
        manifest.slice(top, top + page).map((l, i) => (
          <Text key={i} wrap="truncate">
            {l || ' '}
          </Text>
        ))
      )}
    </Box>
  );
}

function PaneTitle({ pane, focus, top, shown, total, width }: { pane: UiState['pane']; focus: boolean; top: number; shown: number; total: number; width: number }) {
  const { plain } = useLook();
  const tab = (name: UiState['pane'], label: string) => (pane === name ? `[${label}]` : ` ${label} `);
  // Which pane has the keys: inverse video, or a '>' where there is none.
  const left = `${plain && focus ? '>' : ' '}${tab('events', 'Events e')} ${tab('manifest', 'Manifest y')} ${tab('history', 'History h')} ${tab('replication', 'Repl r')}`;
  const where = total ? `${top + 1}-${top + shown} of ${total}` : '';
  const right = `${where}${focus ? ' · tab: members' : ' · tab: scroll here'}`;
  return (
    <Text wrap="truncate">
      <Text bold inverse={!plain && focus}>
        {left}
      </Text>
      <Text dimColor>{fit(` ${right}`, Math.max(0, width - left.length - 1))}</Text>
    </Text>
  );
}
