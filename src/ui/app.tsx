// The console: header, one view, the status line and the key hints. It reads
// the store and calls back into the services; it does no I/O of its own.
import { Box, Text, useApp, useInput, useWindowSize } from 'ink';
import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { clusterRows, type ZpgStore } from '../store/store.ts';
import type { ClusterRow } from '../services/clusters/summary.ts';
import { keyNames } from './input.ts';
import { hintsFor } from './keymap.ts';
import { initialUi, reduce, type SortKey, type UiState } from './ui-state.ts';
import { ClusterView } from './views/cluster-view.tsx';
import { ClustersView } from './views/clusters-view.tsx';
import { HelpView } from './views/help-view.tsx';

export interface ConsoleActions {
  /** switch the watched namespace; undefined = all namespaces */
  setNamespace(namespace: string | undefined): void;
}

const SORTS: Record<SortKey, (a: ClusterRow, b: ClusterRow) => number> = {
  name: (a, b) => a.name.localeCompare(b.name),
  namespace: (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name),
  status: (a, b) => a.health.localeCompare(b.health) || a.name.localeCompare(b.name),
  lag: (a, b) => (b.maxLagBytes ?? -1) - (a.maxLagBytes ?? -1),
};

export function App({ store, actions }: { store: ZpgStore; actions: ConsoleActions }) {
  const { exit } = useApp();
  const { columns: width, rows: height } = useWindowSize();
  const postgresqls = useStore(store, (s) => s.postgresqls);
  const pods = useStore(store, (s) => s.pods);
  const patroni = useStore(store, (s) => s.patroni);
  const context = useStore(store, (s) => s.context);
  const status = useStore(store, (s) => s.status);
  const [ui, setUi] = useState<UiState>(initialUi);

  const rows = useMemo(() => {
    const all = clusterRows({ ...store.getState(), postgresqls, pods, patroni });
    const filtered = ui.filter ? all.filter((r) => r.name.includes(ui.filter)) : all;
    return [...filtered].sort(SORTS[ui.sort]);
  }, [store, postgresqls, pods, patroni, ui.filter, ui.sort]);
  const open = ui.open ? rows.find((r) => `${r.namespace}/${r.name}` === ui.open) ?? clusterRows(store.getState()).find((r) => `${r.namespace}/${r.name}` === ui.open) : undefined;

  useInput((input, key) => {
    let next = ui;
    for (const name of keyNames(input, key)) {
      const count = next.view === 'cluster' ? (open?.members.length ?? 0) : rows.length;
      const selected = rows[next.cursor] ? `${rows[next.cursor].namespace}/${rows[next.cursor].name}` : undefined;
      const r = reduce(next, name, { rows: count, selected });
      next = r.state;
      if (r.effect?.type === 'quit') exit();
      if (r.effect?.type === 'namespace') actions.setNamespace(r.effect.namespace);
      if (r.effect?.type === 'error') store.getState().say('error', r.effect.text);
    }
    setUi(next);
  });

  const bodyHeight = Math.max(3, height - 3);
  const crumbs = ui.view === 'cluster' && ui.open ? `clusters › ${ui.open}` : ui.view === 'help' ? 'help' : 'clusters';
  const ns = context.allNamespaces ? 'all namespaces' : `namespace ${context.namespace ?? 'default'}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text>
        <Text bold>zpg</Text> · {context.name ?? 'no context'} · {ns} · {crumbs}
        {ui.filter ? ` · filter "${ui.filter}"` : ''}
      </Text>
      <Box flexDirection="column" height={bodyHeight}>
        {ui.view === 'clusters' && <ClustersView rows={rows} cursor={ui.cursor} width={width} height={bodyHeight} />}
        {ui.view === 'cluster' && <ClusterView row={open} cursor={ui.cursor} width={width} height={bodyHeight} />}
        {ui.view === 'help' && <HelpView />}
      </Box>
      {ui.mode !== 'normal' ? (
        <Text>
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
  );
}
