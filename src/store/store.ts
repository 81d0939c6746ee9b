// The one seam between services and their readers (the console, the daemon,
// the plain CLI twins): a zustand vanilla store, with no React in sight.
// Services write Kubernetes objects and Patroni views in; readers derive rows.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ClusterMember } from '../services/patroni/types.ts';
import { summarizeCluster, type ClusterRow, type PodLike, type PostgresqlLike } from '../services/clusters/summary.ts';

export interface PatroniView {
  members: ClusterMember[];
  /** when this view was read (ms since epoch): stale data is shown with its age */
  at: number;
  error?: string;
}

export interface StatusLine {
  level: 'info' | 'error';
  text: string;
  at: number;
}

export interface ZpgState {
  context: { name?: string; namespace?: string; allNamespaces: boolean };
  postgresqls: Record<string, PostgresqlLike>;
  pods: Record<string, PodLike & { metadata?: { namespace?: string } }>;
  patroni: Record<string, PatroniView>;
  status?: StatusLine;
  upsert(kind: 'postgresqls' | 'pods', obj: { metadata?: { name?: string; namespace?: string } }): void;
  remove(kind: 'postgresqls' | 'pods', obj: { metadata?: { name?: string; namespace?: string } }): void;
  setPatroni(clusterKey: string, view: PatroniView): void;
  say(level: StatusLine['level'], text: string): void;
}

export const keyOf = (o: { metadata?: { name?: string; namespace?: string } }) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export type ZpgStore = StoreApi<ZpgState>;

export function createZpgStore(context: ZpgState['context'] = { allNamespaces: false }): ZpgStore {
  return createStore<ZpgState>()((set) => ({
    context,
    postgresqls: {},
    pods: {},
    patroni: {},
    upsert: (kind, obj) => set((s) => ({ [kind]: { ...s[kind], [keyOf(obj)]: obj } })),
    remove: (kind, obj) =>
      set((s) => {
        const next = { ...s[kind] };
        delete next[keyOf(obj)];
        return { [kind]: next };
      }),
    setPatroni: (clusterKey, view) => set((s) => ({ patroni: { ...s.patroni, [clusterKey]: view } })),
    say: (level, text) => set({ status: { level, text, at: Date.now() } }),
  }));
}

/** Pods of a cluster are the ones carrying its cluster-name label in its namespace. */
export function clusterRows(s: ZpgState, clusterLabel = 'cluster-name'): ClusterRow[] {
  const podsByCluster = new Map<string, PodLike[]>();
  for (const p of Object.values(s.pods)) {
    const name = p.metadata?.labels?.[clusterLabel];
    if (!name) continue;
    const k = `${p.metadata?.namespace ?? ''}/${name}`;
    podsByCluster.set(k, [...(podsByCluster.get(k) ?? []), p]);
  }
  return Object.entries(s.postgresqls)
    .map(([k, pg]) => summarizeCluster(pg, podsByCluster.get(k) ?? [], s.patroni[k]?.members))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
