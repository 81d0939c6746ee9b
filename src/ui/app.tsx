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
import { useNow } from './hooks/use-now.ts';
import { keyNames } from './input.ts';
import { hintsFor } from './keymap.ts';
import { bodyRows, clusterLayout, listRows, pagedRows } from './layout.ts';
import { LookContext, type Look } from './look.ts';
import { manifestLines } from './manifest.ts';
import { initialUi, reduce, type KeyContext, type SortKey, type UiState } from './ui-state.ts';
import { ClusterView, paneLinesShown } from './views/cluster-view.tsx';
import { ClustersView } from './views/clusters-view.tsx';
import { HelpView, helpText } from './views/help-view.tsx';
import { LogView } from './views/log-view.tsx';

export interface ConsoleActions {
  /** switch the watched namespace; undefined = all namespaces */
  setNamespace(namespace: string | undefined): void;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const SORTS: Record<SortKey, (a: ClusterRow, b: ClusterRow) => number> = {
  name: (a, b) => cmp(a.name, b.name) || cmp(a.namespace, b.namespace),
  namespace: (a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name),
  status: (a, b) => cmp(a.health, b.health) || cmp(a.name, b.name),
  lag: (a, b) => (b.maxLagBytes ?? -1) - (a.maxLagBytes ?? -1),
};

/** What the pollers should poll for a view: the open cluster's members, the open log. */
function focusOf(ui: UiState): Focus {
  const view = ui.view === 'help' ? ui.previous : ui.view;
  if (view === 'cluster') return { cluster: ui.open };
  if (view === 'log') return { log: ui.log };
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

  const rows = useMemo(() => {
    if (!inList) return [];
    const all = clusterRows({ ...store.getState(), postgresqls, podsByCluster: pods, patroni });
    const filtered = state.filter ? all.filter((r) => r.name.includes(state.filter)) : all;
    return filtered.sort(SORTS[state.sort]);
  }, [store, inList, postgresqls, pods, patroni, state.filter, state.sort]);
  const open = useMemo(() => (detail ? clusterRow({ ...store.getState(), postgresqls, podsByCluster: pods, patroni }, detail) : undefined), [store, detail, postgresqls, pods, patroni]);
  const recent = useMemo(() => (detail && events ? clusterEvents({ ...store.getState(), events }, detail) : []), [store, detail, events]);
  const manifest = useMemo(() => (detail ? manifestLines(postgresqls[detail]) : []), [detail, postgresqls]);
  // Rows come and go under the cursors (deletes, filters): keep them on a row.
  const clamp = (s: UiState): UiState => ({
    ...s,
    cursor: inList ? Math.max(0, Math.min(s.cursor, rows.length - 1)) : s.cursor,
    member: detail ? Math.max(0, Math.min(s.member, (open?.members.length ?? 0) - 1)) : s.member,
  });
  const ui = clamp(state);

  const focus = focusOf(ui);
  useEffect(() => store.getState().setFocus({ cluster: focus.cluster, log: focus.log }), [store, focus.cluster, focus.log]);

  const body = bodyRows(height);
  const keyContext = (s: UiState): KeyContext => {
    const selected = rows[s.cursor] ? `${rows[s.cursor].namespace}/${rows[s.cursor].name}` : undefined;
    const base = { rows: rows.length, selected };
    if (s.view === 'cluster') {
      const members = (open?.members ?? []).map((m) => `${open!.namespace}/${m.name}`);
      const { memberRows, paneRows } = clusterLayout(body, members.length);
      const paneLines = s.pane === 'events' ? recent.length : manifest.length;
      return { ...base, members, paneLines, page: s.paneFocus ? paneLinesShown(s.pane, paneRows) : memberRows };
    }
    if (s.view === 'log') return { ...base, logFirst: log?.first ?? 0, logCount: log?.lines.length ?? 0, page: pagedRows(body) };
    if (s.view === 'help') return { ...base, helpLines: helpText().length, page: pagedRows(body) };
    return { ...base, page: listRows(body) };
  };

  useInput((input, key) => {
    let next = clamp(latest.current);
    for (const name of keyNames(input, key)) {
      const r = reduce(next, name, keyContext(next));
      next = r.state;
      if (r.effect?.type === 'quit') exit();
      if (r.effect?.type === 'namespace') actions.setNamespace(r.effect.namespace);
      if (r.effect?.type === 'error') store.getState().say('error', r.effect.text);
    }
    latest.current = next;
    setUi(next);
  });

  const now = useNow(watchError !== undefined);
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
        <Box flexDirection="column" height={body} overflow="hidden">
          {ui.view === 'clusters' && <ClustersView rows={rows} cursor={ui.cursor} width={width} height={body} allNamespaces={context.allNamespaces} synced={synced} />}
          {ui.view === 'cluster' && (
            <ClusterView row={open} statefulset={statefulset} patroni={detail ? patroni[detail] : undefined} events={recent} manifest={manifest} ui={ui} width={width} height={body} />
          )}
          {ui.view === 'log' && <LogView pod={ui.log ?? ''} log={log?.pod === ui.log ? log : undefined} top={ui.logTop} height={body} />}
          {ui.view === 'help' && <HelpView top={ui.helpTop} height={body} />}
        </Box>
        {ui.mode !== 'normal' ? (
          <Text wrap="truncate">
            {ui.mode === 'filter' ? '/' : ':'}
            {ui.buffer}█
          </Text>
        ) : (
          <Text color={status?.level === 'error' ? 'red' : undefined} wrap="truncate-middle">
            {status?.text ?? ' '}
          </Text>
        )}
        <Text dimColor wrap="truncate">
          {hintsFor(ui.view)}
        </Text>
      </Box>
    </LookContext.Provider>
  );
}
