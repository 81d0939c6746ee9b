// The one seam between services and their readers (the console, the daemon,
// the plain CLI twins): a zustand vanilla store, with no React in sight.
// Services write Kubernetes objects, Patroni views and log lines in; readers
// derive rows (selectors.ts). The console writes one thing back: what is on
// screen (`focus`), which tells the pollers what to poll.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ClusterMember } from '../services/patroni/types.ts';
import type { PodLike, PostgresqlLike } from '../services/clusters/summary.ts';
import type { TaskRecord } from '../services/tasks/types.ts';
import { emptyBackups, type BackupsState } from '../services/live/backups-types.ts';
import type { HistoryRow } from '../services/clusters/history.ts';
import type { ReplicationReport } from '../services/replication/types.ts';

export { clusterRows, clusterRow, clusterEvents, statefulSetOf, podsOf } from './selectors.ts';

export interface PatroniView {
  members: ClusterMember[];
  /** when Patroni last answered (ms since epoch); 0 = never */
  at: number;
  /** the member whose REST API answered */
  via?: string;
  paused?: boolean;
  /** set while Patroni is out of reach: readers fall back to the pods' `status` annotations */
  error?: string;
  /** when the current run of failures began */
  failedSince?: number;
}

export interface LogView {
  /** namespace/name of the pod */
  pod: string;
  /** a bounded ring: the newest lines, oldest first */
  lines: string[];
  /** the absolute number of lines[0] since the stream opened, so a scrolled view keeps its place as old lines drop */
  first: number;
  /** complete: a log that will not grow (the previous container's) was read to its end */
  state: 'connecting' | 'following' | 'error' | 'complete';
  /** the previous container's log, not the running one's */
  previous?: boolean;
  error?: string;
  /** when the last line arrived (ms since epoch) */
  at: number;
}

export interface StatusLine {
  level: 'info' | 'error';
  text: string;
  at: number;
}

export interface EventLike {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: Date | string };
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: Date | string;
  eventTime?: Date | string;
  firstTimestamp?: Date | string;
}

export interface StatefulSetLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number; currentRevision?: string; updateRevision?: string };
}

type Named = { metadata?: { name?: string; namespace?: string } };
export type Kind = 'postgresqls' | 'pods' | 'events' | 'statefulsets';
export interface Change {
  op: 'upsert' | 'remove';
  kind: Kind;
  obj: Named;
}

/** Patroni's /history of the open cluster: read only while its pane (h) is on screen. */
export interface HistoryView {
  /** namespace/name */
  cluster: string;
  rows: HistoryRow[];
  /** the member whose REST API answered, or 'dcs' */
  via?: string;
  /** when it was last read (ms since epoch); 0 = never */
  at: number;
  error?: string;
}

/** The open cluster's replication readout: read only while its pane (r) is on screen. */
export interface ReplicationView {
  cluster: string;
  report?: ReplicationReport;
  at: number;
  error?: string;
}

/** What the console shows: the pollers poll only this. */
export interface Focus {
  /** namespace/name of the cluster whose members are on screen */
  cluster?: string;
  /** namespace/name of the pod whose log is on screen */
  log?: string;
  /** that log is the previous container's (kubectl logs --previous) */
  logPrevious?: boolean;
  /** the open cluster's lower pane, when it is one that must be read (history, replication) */
  pane?: 'history' | 'replication';
}

export interface ZpgState {
  context: { name?: string; namespace?: string; allNamespaces: boolean };
  postgresqls: Record<string, PostgresqlLike>;
  pods: Record<string, PodLike & { metadata?: { namespace?: string } }>;
  /** pods by namespace/cluster (their cluster-name label), kept with `pods`: rows need no scan of every pod */
  podsByCluster: Record<string, PodLike[]>;
  events: Record<string, EventLike>;
  statefulsets: Record<string, StatefulSetLike>;
  patroni: Record<string, PatroniView>;
  log?: LogView;
  history?: HistoryView;
  replication?: ReplicationView;
  focus: Focus;
  /** the first lists have arrived: until then an empty list means "not yet", not "none" */
  synced: boolean;
  /** the Kubernetes watch is failing: what is on screen is what was last seen */
  watchError?: { text: string; since: number };
  status?: StatusLine;
  /** day-2 tasks of this session by id, oldest first: the console's task pane and the CLI's printer read them */
  tasks: Record<string, TaskRecord>;
  /** the backup catalog of the clusters on screen (src/services/live/backups-feed.ts) */
  backups: BackupsState;
  upsert<T extends Named>(kind: Kind, obj: T): void;
  remove<T extends Named>(kind: Kind, obj: T): void;
  /** many changes in one update: one render for a burst of watch events */
  apply(changes: Change[]): void;
  setPatroni(clusterKey: string, view: PatroniView | undefined): void;
  setLog(view: LogView | undefined): void;
  setHistory(view: HistoryView | undefined): void;
  setReplication(view: ReplicationView | undefined): void;
  setFocus(focus: Focus): void;
  setWatchError(text: string | undefined): void;
  say(level: StatusLine['level'], text: string): void;
  /** a task's record, each time it changes */
  setTask(task: TaskRecord): void;
  setBackups(update: (b: BackupsState) => Partial<BackupsState>): void;
}

export const keyOf = (o: Named) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export type ZpgStore = StoreApi<ZpgState>;

export const CLUSTER_LABEL = 'cluster-name';

/** namespace/cluster of a pod, from its cluster-name label */
export function clusterOfPod(p: PodLike | undefined): string | undefined {
  const name = p?.metadata?.labels?.[CLUSTER_LABEL];
  return name ? `${(p as Named).metadata?.namespace ?? ''}/${name}` : undefined;
}

function applyChanges(s: ZpgState, changes: Change[]): Partial<ZpgState> {
  const next: Partial<Record<Kind, Record<string, unknown>>> = {};
  let index: Record<string, PodLike[]> | undefined;
  for (const c of changes) {
    const map = (next[c.kind] ??= { ...s[c.kind] });
    const key = keyOf(c.obj);
    if (c.kind === 'pods') {
      index ??= { ...s.podsByCluster };
      const old = map[key] as PodLike | undefined;
      const before = clusterOfPod(old);
      if (before && index[before]) index[before] = index[before].filter((p) => p !== old);
      if (before && index[before]?.length === 0) delete index[before];
      const after = c.op === 'upsert' ? clusterOfPod(c.obj as PodLike) : undefined;
      if (after) index[after] = [...(index[after] ?? []), c.obj as PodLike];
    }
    if (c.op === 'upsert') map[key] = c.obj;
    else delete map[key];
  }
  return { ...(next as Partial<ZpgState>), ...(index ? { podsByCluster: index } : {}) };
}

export function createZpgStore(context: ZpgState['context'] = { allNamespaces: false }): ZpgStore {
  return createStore<ZpgState>()((set, get) => ({
    context,
    postgresqls: {},
    pods: {},
    podsByCluster: {},
    events: {},
    statefulsets: {},
    patroni: {},
    focus: {},
    synced: false,
    tasks: {},
    backups: emptyBackups(),
    upsert: (kind, obj) => set((s) => applyChanges(s, [{ op: 'upsert', kind, obj }])),
    remove: (kind, obj) => set((s) => applyChanges(s, [{ op: 'remove', kind, obj }])),
    apply: (changes) => {
      if (changes.length) set((s) => applyChanges(s, changes));
    },
    setPatroni: (clusterKey, view) =>
      set((s) => {
        const next = { ...s.patroni };
        if (view) next[clusterKey] = view;
        else delete next[clusterKey];
        return { patroni: next };
      }),
    setLog: (view) => set({ log: view }),
    setHistory: (view) => set({ history: view }),
    setReplication: (view) => set({ replication: view }),
    setFocus: (focus) => {
      const f = get().focus;
      // Called on every render of the console: only a real change may notify the pollers.
      if (f.cluster !== focus.cluster || f.log !== focus.log || Boolean(f.logPrevious) !== Boolean(focus.logPrevious) || f.pane !== focus.pane) set({ focus });
    },
    setWatchError: (text) => {
      const w = get().watchError;
      if (text === undefined) {
        // Recovered: the error it put on the status line is old news.
        const s = get().status;
        if (w) set({ watchError: undefined, ...(s?.level === 'error' ? { status: { level: 'info' as const, text: 'the Kubernetes watch answers again', at: Date.now() } } : {}) });
      } else set({ watchError: { text, since: w?.since ?? Date.now() } });
    },
    say: (level, text) => set({ status: { level, text, at: Date.now() } }),
    setTask: (task) => set((s) => ({ tasks: { ...s.tasks, [task.id]: task } })),
    setBackups: (update) => set((s) => ({ backups: { ...s.backups, ...update(s.backups) } })),
  }));
}
