// Rows derived from the store, for the console and the plain CLI alike. A
// cluster's row is recomputed only when its manifest, its pods or its Patroni
// view changed: with 1,000 clusters a pod update costs one summary, not 1,000.
import { summarizeCluster, type ClusterRow, type PodLike, type PostgresqlLike } from '../services/clusters/summary.ts';
import { clusterObjectMatcher } from './cluster-objects.ts';
import type { EventLike, PatroniView, StatefulSetLike, ZpgState } from './store.ts';

interface Cached {
  pods: PodLike[];
  patroni?: PatroniView;
  row: ClusterRow;
}
const cache = new WeakMap<PostgresqlLike, Cached>();

const NO_PODS: PodLike[] = [];

/** The REST view counts only while Patroni answers; otherwise the pods' annotations speak. */
const membersOf = (view: PatroniView | undefined) => (view && !view.error ? view.members : undefined);

function rowOf(pg: PostgresqlLike, pods: PodLike[], view: PatroniView | undefined): ClusterRow {
  const hit = cache.get(pg);
  // The store replaces a cluster's pod list only when one of its pods changes.
  if (hit && hit.patroni === view && hit.pods === pods) return hit.row;
  const row = summarizeCluster(pg, pods, membersOf(view));
  cache.set(pg, { pods, patroni: view, row });
  return row;
}

/** Pods of a cluster are the ones carrying its cluster-name label in its namespace. */
export function clusterRows(s: ZpgState): ClusterRow[] {
  const rows = Object.entries(s.postgresqls).map(([k, pg]) => rowOf(pg, s.podsByCluster[k] ?? NO_PODS, s.patroni[k]));
  // Plain code-point order: Kubernetes names are lowercase ASCII, and localeCompare is 10x slower.
  return rows.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function podsOf(s: ZpgState, clusterKey: string): PodLike[] {
  return s.podsByCluster[clusterKey] ?? NO_PODS;
}

/** One cluster's row, without summarising the others. */
export function clusterRow(s: ZpgState, clusterKey: string): ClusterRow | undefined {
  const pg = s.postgresqls[clusterKey];
  return pg ? rowOf(pg, podsOf(s, clusterKey), s.patroni[clusterKey]) : undefined;
}

const time = (e: EventLike) => {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t instanceof Date ? t.getTime() : t ? Date.parse(t) : 0;
};
export const eventTime = time;

/** Events on the cluster and on the objects that belong to it (by label or generated name, not by name prefix), newest first. */
export function clusterEvents(s: ZpgState, clusterKey: string): EventLike[] {
  const [ns, name] = clusterKey.split('/');
  const mine = clusterObjectMatcher(name, (s.podsByCluster[clusterKey] ?? NO_PODS).map((p) => p.metadata?.name ?? ''));
  return Object.values(s.events)
    .filter((e) => (e.involvedObject?.namespace ?? e.metadata?.namespace) === ns && mine(e.involvedObject))
    .sort((a, b) => time(b) - time(a));
}

export function statefulSetOf(s: ZpgState, clusterKey: string): StatefulSetLike | undefined {
  return s.statefulsets[clusterKey];
}
