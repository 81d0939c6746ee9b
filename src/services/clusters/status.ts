// `zpg status CLUSTER` as data: the list row, the members with their pods'
// state and Patroni's tags, Patroni's maintenance mode and calendar, the
// replication readout and recent events. Patroni is asked through a
// port-forward (leader first); when it does not answer, the pods' `status`
// annotations speak, and the report says so.
import { candidates } from '../live/patroni-feed.ts';
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { kubeJson } from '../kube/lite/request.ts';
import { PatroniClient } from '../patroni/client.ts';
import { litePatroniTransport } from '../patroni/lite-transport.ts';
import type { ClusterView } from '../patroni/types.ts';
import { readReplicationPatroni, readReplicationSql } from '../replication/read.ts';
import { sqlConnector, superuserCredentials } from '../replication/connect.ts';
import type { ReplicationReport } from '../replication/types.ts';
import { podsOf } from '../../store/selectors.ts';
import { listRow, type ListRow } from './list-row.ts';
import { liteSnapshot } from './snapshot.ts';
import { summarizeCluster, type MemberRow, type PostgresqlLike } from './summary.ts';

export interface MemberReport {
  name: string;
  host: string | null;
  role: string;
  state: string;
  timeline: number | null;
  lagBytes: number | null;
  pendingRestart: boolean;
  scheduledRestart: string | null;
  podReady: boolean;
  podPhase: string;
  restarts: number;
  /** the pod's creation time (RFC 3339) */
  createdAt: string | null;
  node: string | null;
  tags: Record<string, unknown>;
  source: 'patroni' | 'pod';
}

export interface EventReport {
  type: string;
  reason: string;
  object: string;
  message: string;
  count: number;
  /** RFC 3339 */
  at: string | null;
}

export interface StatusReport extends ListRow {
  /** Patroni's REST API: which member answered, or why none did */
  patroni: { via?: string; error?: string };
  /** the PostgreSQL the leader runs ("15.18"), as Patroni reports it; `version` is the manifest's */
  runningVersion?: string;
  members: MemberReport[];
  replication?: ReplicationReport;
  events: EventReport[];
}

export class ClusterNotFound extends Error {}

const memberReport = (m: MemberRow): MemberReport => ({
  name: m.name,
  host: m.host ?? null,
  role: m.role,
  state: m.state,
  timeline: m.timeline ?? null,
  lagBytes: m.lagBytes ?? null,
  pendingRestart: m.pendingRestart,
  scheduledRestart: m.scheduledRestart ?? null,
  podReady: m.podReady,
  podPhase: m.podPhase,
  restarts: m.restarts,
  createdAt: m.age ?? null,
  node: m.node ?? null,
  tags: m.tags ?? {},
  source: m.source,
});

const iso = (v: unknown) => (typeof v === 'string' && v ? new Date(v).toISOString() : null);

async function recentEvents(k: LiteKube, namespace: string, name: string, podNames: string[]): Promise<EventReport[]> {
  // The cluster's own objects: the postgresql, its pods, and what the operator names after it.
  const mine = new Set([name, ...podNames, `${name}-config`, `${name}-repl`, `${name}-pdb`, `${name}-pooler`]);
  const list = await kubeJson<{ items: Record<string, unknown>[] }>(k, { path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, timeoutMs: 10_000 });
  return list.items
    .filter((e) => mine.has(String((e.involvedObject as { name?: string } | undefined)?.name ?? '')))
    .map((e) => ({
      type: String(e.type ?? ''),
      reason: String(e.reason ?? ''),
      object: `${String((e.involvedObject as { kind?: string }).kind ?? '').toLowerCase()}/${String((e.involvedObject as { name?: string }).name ?? '')}`,
      message: String(e.message ?? ''),
      count: Number(e.count ?? 1),
      at: iso(e.lastTimestamp ?? e.eventTime ?? (e.metadata as { creationTimestamp?: string } | undefined)?.creationTimestamp),
    }))
    .sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''))
    .slice(-10);
}

/** Patroni's /cluster from the first member that answers, leader first. */
export async function patroniCluster(k: LiteKube, namespace: string, pods: string[], timeoutMs = 3_000): Promise<{ view?: ClusterView; via?: string; error?: string }> {
  let error = pods.length ? '' : 'no running member pods';
  for (const pod of pods) {
    try {
      return { view: await new PatroniClient(litePatroniTransport(k, namespace, pod), timeoutMs).cluster(), via: pod };
    } catch (e) {
      error = `${pod}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return { error };
}

/** SQL as the superuser where the Secret allows, else positions from Patroni; the console's replication pane reads the same. */
export async function readReplication(k: LiteKube, namespace: string, cluster: string, leader: string | undefined, replicas: string[]): Promise<ReplicationReport> {
  const target = { leader, replicas };
  let why: string;
  try {
    const creds = await superuserCredentials(k, namespace, cluster);
    return await readReplicationSql(target, sqlConnector(k, namespace, creds));
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  const r = await readReplicationPatroni(target, (m) => new PatroniClient(litePatroniTransport(k, namespace, m), 3_000).member());
  r.errors.unshift(`SQL not used (${why}): positions from Patroni, no sender view or slots`);
  return r;
}

export async function readStatus(k: LiteKube, namespace: string, name: string, opts: { replication?: boolean } = {}): Promise<StatusReport> {
  const snap = await liteSnapshot(k, namespace);
  const key = `${namespace}/${name}`;
  const pg = snap.store.getState().postgresqls[key] as PostgresqlLike | undefined;
  if (!pg) throw new ClusterNotFound(`cluster "${name}" not found in namespace ${namespace}`);
  const pods = podsOf(snap.store.getState(), key);
  const order = candidates(pods).map((p) => p.metadata?.name ?? '');
  const [patroni, events] = await Promise.all([patroniCluster(k, namespace, order), recentEvents(k, namespace, name, pods.map((p) => p.metadata?.name ?? '')).catch(() => [])]);
  const row = summarizeCluster(pg, pods, patroni.view?.members);
  const dcs = snap.dcs.get(key);
  const restarts = Object.fromEntries(row.members.filter((m) => m.scheduledRestart).map((m) => [m.name, m.scheduledRestart!]));
  const base = listRow(row, patroni.view ? { paused: patroni.view.paused, scheduledSwitchover: patroni.view.scheduledSwitchover } : dcs, restarts);
  const replicas = row.members.filter((m) => m.name !== row.leader && m.podPhase === 'Running').map((m) => m.name);
  // a leader whose pod does not run has no WAL to compare with: nothing to connect to
  const leaderRuns = row.members.some((m) => m.name === row.leader && m.podPhase === 'Running');
  const [repl, runningVersion] = await Promise.all([
    opts.replication === false || !leaderRuns ? undefined : readReplication(k, namespace, name, row.leader!, replicas),
    patroni.via ? serverVersion(k, namespace, leaderRuns ? row.leader! : patroni.via) : undefined,
  ]);
  return { ...base, ...(runningVersion ? { runningVersion } : {}), patroni: { via: patroni.via, error: patroni.error || undefined }, members: row.members.map(memberReport), ...(repl ? { replication: repl } : {}), events };
}

/** "15.18" from Patroni's server_version (150018); undefined when the member does not say. */
async function serverVersion(k: LiteKube, namespace: string, pod: string): Promise<string | undefined> {
  const v = await new PatroniClient(litePatroniTransport(k, namespace, pod), 3_000).member().then((m) => m.serverVersion, () => undefined);
  return v && v >= 100000 ? `${Math.floor(v / 10000)}.${v % 10000}` : undefined;
}
