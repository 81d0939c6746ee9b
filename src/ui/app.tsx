// The console: header, one view, the status line and the key hints. It reads
// the store and tells it what is on screen (the pollers follow that); it does
// no I/O of its own.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { clusterEvents, clusterRow, clusterRows, statefulSetOf } from '../store/selectors.ts';
import type { Focus, ZpgStore } from '../store/store.ts';
import type { ClusterRow } from '../services/clusters/summary.ts';
import { formatDuration } from './format.ts';
import { useNow, useSteppedNow } from './hooks/use-now.ts';
import { keyNames } from './input.ts';
import { hintsFor } from './keymap.ts';
import { bodyRows, clusterLayout, listRows, pagedRows } from './layout.ts';
import { LookContext, type Look } from './look.ts';
import { manifestLines } from './manifest.ts';
import { follow, initialUi, reduce, SORT_KEYS, type KeyContext, type SortKey, type UiState } from './ui-state.ts';
import { ClusterView, paneLinesShown } from './views/cluster-view.tsx';
import { ClustersView } from './views/clusters-view.tsx';
import { HelpView, helpText } from './views/help-view.tsx';
import { LogView, logBottomLine } from './views/log-view.tsx';
import { WhyView } from './views/why-view.tsx';
import { historyLines } from './views/history-pane.tsx';
import { replicationLines } from './views/replication-pane.tsx';
import { useTaskKeys, type TaskActions } from './use-task-keys.ts';
import { CandidatePicker } from './views/candidate-picker.tsx';
import { ConfirmDialog } from './views/confirm-dialog.tsx';
import { TaskPane, taskPaneRows } from './views/task-pane.tsx';
import { modalHints } from './task-ui.ts';
import { useBackupKeys, type BackupActions } from './views/backups-keys.ts';
import { BackupsScreens } from './views/backups-screen.tsx';
import { BackupsLine } from './views/backups-section.tsx';
import { backupOrder } from './views/backups-format.ts';

export interface ConsoleActions extends TaskActions, BackupActions {
  /** switch the watched namespace; undefined = all namespaces */
  setNamespace(namespace: string | undefined): void;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const SORTS: Record<Exclude<SortKey, 'backup'>, (a: ClusterRow, b: ClusterRow) => number> = {
  name: (a, b) => cmp(a.name, b.name) || cmp(a.namespace, b.namespace),
  namespace: (a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name),
  status: (a, b) => cmp(a.health, b.health) || cmp(a.name, b.name),
  lag: (a, b) => (b.maxLagBytes ?? -1) - (a.maxLagBytes ?? -1),
};

/** What the pollers should poll for a view: the open cluster's members, the open log. */
function focusOf(ui: UiState): Focus {
  const view = ui.view === 'help' ? ui.previous : ui.view;
  // the history and replication panes are read only while shown
  if (view === 'cluster') return { cluster: ui.open, pane: ui.pane === 'history' || ui.pane === 'replication' ? ui.pane : undefined };
  if (view === 'log') return { log: ui.log, logPrevious: ui.logPrevious || undefined };
  return {};
}

export function App({ store, actions, look = { plain: false } }: { store: ZpgStore; actions: ConsoleActions; look?: Look }) {
  const { exit } = useApp();
  const { columns: width, rows: height } = useWindowSize();
  const [state, setUi] = useState<UiState>(initialUi);
  // Several input events can arrive before React re-renders: each must start from the last one's state.
  const latest = useRef(state);
  const inList = state.view === 'clusters' || (state.view === 'help' && state.previous === 'clusters');
  const detail = state.view === 'cluster' || (state.view === 'help' && state.previous === 'cluster') ? state.open : undefined;

  const postgresqls = useStore(store, (s) => s.postgresqls);
  const pods = useStore(store, (s) => s.podsByCluster);
  const patroni = useStore(store, (s) => s.patroni);
  const context = useStore(store, (s) => s.context);
  const status = useStore(store, (s) => s.status);
  const watchError = useStore(store, (s) => s.watchError);
  const synced = useStore(store, (s) => s.synced);
  // Only the open view's data re-renders the console: a chatty log does not redraw the list.
  const events = useStore(store, (s) => (detail ? s.events : undefined));
  const statefulset = useStore(store, (s) => (detail ? statefulSetOf(s, detail) : undefined));
  const log = useStore(store, (s) => (state.view === 'log' ? s.log : undefined));
  const history = useStore(store, (s) => (detail && state.pane === 'history' && s.history?.cluster === detail ? s.history : undefined));
  const replication = useStore(store, (s) => (detail && state.pane === 'replication' && s.replication?.cluster === detail ? s.replication : undefined));

  // The filter applies as it is typed, whatever the case.
  const filter = (state.mode === 'filter' ? state.buffer : state.filter).toLowerCase();
  // BACKUP is a sort column only beside a backups feed; its order follows the feed's reads
  const backupSort = useStore(store, (s) => s.backups.configured === true);
  const sortedBackups = useStore(store, (s) => (inList && state.sort === 'backup' ? s.backups : undefined));
  const rows = useMemo(() => {
    if (!inList) return [];
    const all = clusterRows({ ...store.getState(), postgresqls, podsByCluster: pods, patroni });
    const filtered = filter ? all.filter((r) => r.name.toLowerCase().includes(filter)) : all;
    return filtered.sort(state.sort !== 'backup' ? SORTS[state.sort] : sortedBackups ? backupOrder(sortedBackups, Date.now(), SORTS.name) : SORTS.name);
  }, [store, inList, postgresqls, pods, patroni, filter, state.sort, sortedBackups]);
  const rowKeys = useMemo(() => rows.map((r) => `${r.namespace}/${r.name}`), [rows]);
  const open = useMemo(() => (detail ? clusterRow({ ...store.getState(), postgresqls, podsByCluster: pods, patroni }, detail) : undefined), [store, detail, postgresqls, pods, patroni]);
  const recent = useMemo(() => (detail && events ? clusterEvents({ ...store.getState(), events, podsByCluster: pods }, detail) : []), [store, detail, events, pods]);
  const manifest = useMemo(() => (detail ? manifestLines(postgresqls[detail]) : []), [detail, postgresqls]);
  const detailLines = useMemo(
    () => (!detail ? [] : state.pane === 'history' ? historyLines(history, width) : state.pane === 'replication' ? replicationLines(replication, width) : []),
    [detail, state.pane, history, replication, width],
  );
  const memberKeys = useMemo(() => (open ? open.members.map((m) => `${open.namespace}/${m.name}`) : undefined), [open]);
  // Rows come, go and re-sort under the cursors: keep them on their cluster and member.
  const clamp = (s: UiState): UiState => follow(s, inList ? rowKeys : undefined, detail ? memberKeys : undefined);
  const ui = clamp(state);

  const focus = focusOf(ui);
  useEffect(() => store.getState().setFocus({ cluster: focus.cluster, log: focus.log, logPrevious: focus.logPrevious, pane: focus.pane }), [store, focus.cluster, focus.log, focus.logPrevious, focus.pane]);
  // The log on screen is the one asked for: this pod, this container (running or previous).
  const shownLog = log?.pod === ui.log && Boolean(log?.previous) === ui.logPrevious ? log : undefined;
  const logTextWidth = width - (look.plain ? 1 : 0);

  const tasks = useTaskKeys(store, actions);
  const lastTask = useStore(store, (s) => Object.values(s.tasks).at(-1));
  const shownTask = lastTask && (lastTask.state === 'running' || tasks.paneShown) ? lastTask : undefined;
  const body = bodyRows(height) - taskPaneRows(shownTask);
  const backups = useBackupKeys(store, actions, listRows(body) - 1, inList || detail !== undefined, body);
  const keyContext = (s: UiState): KeyContext => {
    const selected = rows[s.cursor] ? `${rows[s.cursor].namespace}/${rows[s.cursor].name}` : undefined;
    const base = { rows: rows.length, rowKeys, selected, sorts: backupSort ? SORT_KEYS : SORT_KEYS.filter((k) => k !== 'backup') };
    if (s.view === 'cluster') {
      const members = memberKeys ?? [];
      const { memberRows, paneRows } = clusterLayout(body, members.length);
      const paneLines = s.pane === 'events' ? recent.length : s.pane === 'manifest' ? manifest.length : detailLines.length;
      return { ...base, members, paneLines, page: s.paneFocus ? paneLinesShown(s.pane, paneRows) : memberRows };
    }
    if (s.view === 'log') {
      const page = pagedRows(body) - (shownLog?.state === 'error' ? 1 : 0);
      return { ...base, logFirst: shownLog?.first ?? 0, logCount: shownLog?.lines.length ?? 0, logLines: shownLog?.lines, logBottom: logBottomLine(shownLog, page, logTextWidth, s.logWrap), page };
    }
    if (s.view === 'help') return { ...base, helpLines: helpText().length, page: pagedRows(body) };
    return { ...base, page: listRows(body) };
  };

  useInput((input, key) => {
    let next = clamp(latest.current);
    for (const name of keyNames(input, key)) {
      const from = next;
      const target = () => ({ row: open, members: detail ? patroni[detail]?.members : undefined, member: keyContext(from).members?.[from.member], paused: detail ? patroni[detail]?.paused : undefined });
      // an open backups screen or wizard has the keys first; otherwise the task keys do
      if (next.mode === 'normal' && backups.busy() && backups.handle(name, next.view, next.paneFocus ? 'pane' : 'members', next.open)) continue;
      if (next.mode === 'normal' && tasks.handle(name, next.view, next.paneFocus ? 'pane' : 'members', target)) continue;
      if (next.mode === 'normal' && backups.handle(name, next.view, next.paneFocus ? 'pane' : 'members', next.view === 'cluster' ? next.open : undefined)) continue;
      const r = reduce(next, name, keyContext(next));
      next = r.state;
      if (r.effect?.type === 'quit') exit();
      if (r.effect?.type === 'namespace') {
        actions.setNamespace(r.effect.namespace);
        // a success replaces whatever error the status line held
        store.getState().say('info', `watching ${r.effect.namespace === undefined ? 'all namespaces' : `namespace ${r.effect.namespace}`}`);
      }
      if (r.effect?.type === 'error') store.getState().say('error', r.effect.text);
    }
    latest.current = next;
    setUi(next);
  });

  // Ages on screen (AGE, BACKUP) keep counting while nothing else changes: to the second while a cluster is
  // young enough to show seconds, else to 10 s (they show minutes). Ink writes nothing when the frame is unchanged.
  const counting = watchError !== undefined || shownTask?.state === 'running';
  const young = inList && rows.some((r) => Date.now() - Date.parse(r.createdAt ?? '') < 120_000);
  const ageStep = young ? 1000 : 10_000;
  const now = useNow(counting || inList || detail !== undefined, counting ? 1000 : ageStep);
  const agesAt = useSteppedNow(now, ageStep);
  const crumbs = ui.view === 'help' ? 'help' : ui.view === 'log' ? `clusters › ${ui.open} › log` : ui.view === 'cluster' && ui.open ? `clusters › ${ui.open}` : 'clusters';
  const ns = context.allNamespaces ? 'all namespaces' : `ns ${context.namespace ?? 'default'}`;
  return (
    <LookContext.Provider value={look}>
      <Box flexDirection="column" width={width} height={height}>
        <Text wrap="truncate">
          <Text bold>zpg</Text>
          {watchError ? (
            <Text color="yellow">
              {' · '}
              <Text bold>STALE</Text> {formatDuration(now - watchError.since)} (watch failing)
            </Text>
          ) : null}{' '}
          · {context.name ?? 'connecting…'} · {ns} · {crumbs}
          {ui.filter ? ` · filter "${ui.filter}"` : ''}
        </Text>
        {backups.shown && !tasks.modal ? (
          <Box flexDirection="column" height={body} overflow="hidden">
            <BackupsScreens store={store} screen={backups.screen} modal={backups.modal} backups={backups.backups} width={width} height={body} />
          </Box>
        ) : (
        <Box flexDirection="column" height={body} overflow="hidden">
          {tasks.modal?.kind === 'pick' && <CandidatePicker modal={tasks.modal} />}
          {tasks.modal?.kind === 'confirm' && <ConfirmDialog modal={tasks.modal} />}
          {!tasks.modal && ui.view === 'clusters' && !ui.why && <ClustersView rows={rows} cursor={ui.cursor} width={width} height={body} allNamespaces={context.allNamespaces} synced={synced} sort={ui.sort} backups={backups.backups} now={agesAt} />}
          {!tasks.modal && ui.view === 'cluster' && !ui.why && (
            <ClusterView row={open} statefulset={statefulset} patroni={detail ? patroni[detail] : undefined} events={recent} manifest={manifest} detail={detailLines} backupsLine={detail && backups.backups.configured !== undefined ? <BackupsLine view={backups.backups.clusters[detail]} backups={backups.backups} now={Date.now()} /> : undefined} ui={ui} width={width} height={body} />
          )}
          {!tasks.modal && ui.view === 'log' && <LogView pod={ui.log ?? ''} log={shownLog} top={ui.logTop} height={body} width={width} wrap={ui.logWrap} search={ui.logSearch} previous={ui.logPrevious} />}
          {!tasks.modal && ui.view === 'help' && <HelpView top={ui.helpTop} height={body} />}
          {!tasks.modal && ui.why && (ui.view === 'clusters' || ui.view === 'cluster') && <WhyView row={ui.view === 'cluster' ? open : rows[ui.cursor]} status={status?.text} width={width} height={body} />}
        </Box>
        )}
        {shownTask && <TaskPane task={shownTask} now={now} />}
        {ui.mode !== 'normal' ? (
          <Text wrap="truncate">
            {ui.mode === 'filter' || ui.mode === 'search' ? '/' : ':'}
            {ui.buffer}█
          </Text>
        ) : (
          <Text color={status?.level === 'error' ? 'red' : undefined} wrap="truncate-middle">
            {status?.text ?? ' '}
          </Text>
        )}
        <Text dimColor wrap="truncate">
          {tasks.modal ? modalHints(tasks.modal) : (backups.hints ?? hintsFor(ui.view, ui.paneFocus ? 'pane' : 'members'))}
        </Text>
      </Box>
    </LookContext.Provider>
  );
}
