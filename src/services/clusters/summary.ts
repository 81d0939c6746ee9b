// What a cluster looks like from its manifest, its pods and (when reachable)
// Patroni: the one derivation behind `zpg list`, the console's table and the
// operator's status. Pure: the same inputs give the same row.
import type { ClusterMember } from '../patroni/types.ts';
import { isLeaderRole } from '../patroni/types.ts';
import { judgeHealth, SPILO_MAX_LAG_BYTES } from '../../operator/reconcile/health.ts';
import { annotationTags, podFacts, type PodFacts, type PodFactsLike } from './pod-facts.ts';
import { compareNames } from './member-order.ts';

export interface PodLike extends PodFactsLike {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: Date | string; deletionTimestamp?: Date | string };
  spec?: { containers?: { name?: string; image?: string }[]; nodeName?: string };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: NonNullable<PodFactsLike['status']>['containerStatuses'] };
}

export interface ConditionLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PostgresqlLike {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: Date | string };
  spec?: { teamId?: string; numberOfInstances?: number; dockerImage?: string; postgresql?: { version?: string }; patroni?: { maximum_lag_on_failover?: number } };
  status?: { PostgresClusterStatus?: string; conditions?: ConditionLike[] } | string;
}

export interface MemberRow extends PodFacts {
  name: string;
  host?: string;
  role: string;
  state: string;
  timeline?: number;
  lagBytes?: number | null;
  pendingRestart: boolean;
  ready: boolean;
  /** where role/state came from: Patroni's REST API, or the pod's `status` annotation */
  source: 'patroni' | 'pod';
  /** Patroni's tags (nofailover, noloadbalance, nosync, ...) */
  tags?: Record<string, unknown>;
  /** a restart Patroni has on its calendar (RFC 3339) */
  scheduledRestart?: string;
}

export interface ClusterRow {
  name: string;
  namespace: string;
  team: string;
  version: string;
  wanted: number;
  ready: number;
  total: number;
  leader?: string;
  maxLagBytes?: number | null;
  /** the manifest's PostgresClusterStatus */
  operatorStatus: string;
  /** what pods and Patroni show: Healthy, Degraded, NoLeader, Pending, Stopped */
  health: string;
  /** why health is not Healthy, one phrase per problem (judgeHealth's words) */
  reasons: string[];
  /** the lag beyond which Patroni will not fail over to a replica: the manifest's maximum_lag_on_failover, else Spilo's */
  failoverLimitBytes: number;
  createdAt?: string;
  /** the Spilo image the pods run (the manifest's when none runs yet) */
  image?: string;
  /** the leader's timeline */
  timeline?: number;
  /** the operator's conditions that are not True, with what it says about them */
  problems: ConditionLike[];
  members: MemberRow[];
}

const ready = (p: PodLike) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Patroni writes its member JSON into the pod's `status` annotation: the fallback when REST is out of reach. */
function fromAnnotation(p: PodLike, roleLabel: string): MemberRow & { xlog?: number } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(p.metadata?.annotations?.status ?? '{}') as Record<string, unknown>;
  } catch {
    doc = {};
  }
  const label = p.metadata?.labels?.[roleLabel];
  return {
    name: p.metadata?.name ?? '',
    host: p.status?.podIP,
    xlog: typeof doc.xlog_location === 'number' ? doc.xlog_location : undefined,
    role: label === 'master' || label === 'primary' ? 'leader' : typeof doc.role === 'string' && doc.role !== 'master' ? doc.role : label ?? 'unknown',
    state: typeof doc.state === 'string' ? doc.state : p.status?.phase === 'Running' ? 'unknown' : (p.status?.phase ?? 'unknown').toLowerCase(),
    timeline: typeof doc.timeline === 'number' ? doc.timeline : undefined,
    pendingRestart: doc.pending_restart === true,
    ready: ready(p),
    source: 'pod',
    ...podFacts(p),
    tags: annotationTags(p.metadata?.annotations),
    scheduledRestart: typeof doc.scheduled_restart === 'object' && doc.scheduled_restart ? (doc.scheduled_restart as { schedule?: string }).schedule : undefined,
  };
}

/**
 * Lag from the annotations, as patronictl computes it from the DCS: the leader's
 * WAL position minus the replica's. Annotation-only fields are dropped here.
 */
function annotationLags(members: (MemberRow & { xlog?: number })[], leader: (MemberRow & { xlog?: number }) | undefined): void {
  const top = leader?.source === 'pod' ? leader.xlog : undefined;
  for (const m of members) {
    if (m.source === 'pod' && m !== leader && top !== undefined && m.xlog !== undefined) m.lagBytes = Math.max(0, top - m.xlog);
    delete m.xlog;
  }
}

const iso = (v: Date | string | undefined) => (v instanceof Date ? v.toISOString() : v);

export function operatorStatusOf(pg: PostgresqlLike): string {
  const s = pg.status;
  if (typeof s === 'string') return s;
  return s?.PostgresClusterStatus ?? '';
}

export function summarizeCluster(pg: PostgresqlLike, pods: PodLike[], patroni?: ClusterMember[], roleLabel = 'spilo-role'): ClusterRow {
  const byName = new Map((patroni ?? []).map((m) => [m.name, m]));
  const members = [...pods]
    .sort((a, b) => compareNames(a.metadata?.name ?? '', b.metadata?.name ?? ''))
    .map((p): MemberRow => {
      const m = byName.get(p.metadata?.name ?? '');
      if (!m) return fromAnnotation(p, roleLabel);
      return { name: m.name, host: m.host ?? p.status?.podIP, role: m.role, state: m.state, timeline: m.timeline, lagBytes: m.lagBytes, pendingRestart: m.pendingRestart, ready: ready(p), source: 'patroni', ...podFacts(p), tags: m.tags ?? annotationTags(p.metadata?.annotations), scheduledRestart: m.scheduledRestart };
    });
  // Lag counts from the WAL position of the leader Patroni names (a terminating one still has the newest).
  const dcsLeader = members.find((m) => isLeaderRole(m.role) && m.podPhase !== 'Terminating') ?? members.find((m) => isLeaderRole(m.role));
  annotationLags(members, dcsLeader);
  const wanted = pg.spec?.numberOfInstances ?? 0;
  const failoverLimitBytes = pg.spec?.patroni?.maximum_lag_on_failover ?? SPILO_MAX_LAG_BYTES;
  // One leader judgement for every reader: the header, the Ready line and the members table agree.
  const judged = judgeHealth(members, { wanted, maxLagBytes: failoverLimitBytes });
  const leader = members.find((m) => m.name === judged.leader);
  const replicas = members.filter((m) => m !== leader && !isLeaderRole(m.role));
  const lags = replicas.map((m) => m.lagBytes).filter((l) => l !== undefined);
  const readyCount = members.filter((m) => m.ready).length;
  const health = judged.health;
  return {
    name: pg.metadata?.name ?? '',
    namespace: pg.metadata?.namespace ?? '',
    team: pg.spec?.teamId ?? '',
    version: pg.spec?.postgresql?.version ?? '',
    wanted,
    ready: readyCount,
    total: members.length,
    leader: leader?.name,
    maxLagBytes: lags.length ? (lags.includes(null) ? null : Math.max(...(lags as number[]))) : undefined,
    operatorStatus: operatorStatusOf(pg),
    health,
    reasons: judged.reasons,
    failoverLimitBytes,
    createdAt: iso(pg.metadata?.creationTimestamp),
    image: pods.map((p) => p.spec?.containers?.find((c) => c.name === 'postgres')?.image).find(Boolean) ?? pg.spec?.dockerImage,
    timeline: leader?.timeline,
    problems: typeof pg.status === 'object' ? (pg.status.conditions ?? []).filter((c) => c.status !== 'True') : [],
    members,
  };
}
