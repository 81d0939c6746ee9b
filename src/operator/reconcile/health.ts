// The one judgement of a cluster's members: who leads, who is fit, and why
// not. The operator's status, its rolling update and the console all ask this
// module, so they never disagree about the same facts. Pure.
import { isHealthyReplica, isLeaderRole } from '../../services/patroni/types.ts';

export interface MemberFacts {
  name: string;
  /** Patroni's role word (leader, master, primary, replica, sync_standby, standby_leader, ...) */
  role: string;
  /** Patroni's state word (running, streaming, stopped, crashed, starting, ...) */
  state: string;
  /** bytes behind the leader; null when Patroni says unknown; undefined when not known at all */
  lagBytes?: number | null;
  /** the pod's Ready condition; undefined when no pod facts are at hand */
  podReady?: boolean;
  /** the pod's phase or waiting reason (Running, Pending, Terminating, CrashLoopBackOff, ...) */
  podPhase?: string;
  /** Patroni's timeline of the member, when it reports one */
  timeline?: number;
}

export type Health = 'Healthy' | 'Degraded' | 'NoLeader' | 'Pending' | 'Stopped';

export interface MemberJudgement {
  name: string;
  /** running as leader, or streaming/running as a replica within the lag limit, with a ready pod */
  fit: boolean;
  /** why not fit, in words a DBA reads */
  reason?: string;
}

export interface HealthJudgement {
  health: Health;
  /** the member judged to lead: Patroni's leader whose pod is not going away */
  leader?: string;
  /** why the health is not Healthy, one phrase per problem */
  reasons: string[];
  members: MemberJudgement[];
}

export interface HealthOptions {
  /** numberOfInstances */
  wanted: number;
  /** the cluster's maximum_lag_on_failover in bytes (Patroni's default: 1 MiB) */
  maxLagBytes: number;
}

export const DEFAULT_MAX_LAG_BYTES = 1_048_576;

const GONE_PHASES = new Set(['Terminating', 'Failed', 'Succeeded', 'Unknown']);

function judgeMember(m: MemberFacts, leader: boolean, maxLagBytes: number, leaderTimeline: number | undefined): MemberJudgement {
  const no = (reason: string): MemberJudgement => ({ name: m.name, fit: false, reason });
  if (m.podPhase && m.podPhase !== 'Running') return no(`pod ${m.podPhase}`);
  if (m.podReady === false) return no('pod not ready');
  if (leader) return m.state === 'running' || m.state === 'streaming' ? { name: m.name, fit: true } : no(`leader ${m.state}`);
  if (!isHealthyReplica(m)) return no(m.state);
  if (m.lagBytes === null) return no('lag unknown');
  if (m.lagBytes !== undefined && m.lagBytes > maxLagBytes) return no(`lag ${m.lagBytes} B over ${maxLagBytes} B`);
  // A replica left on an older timeline replays nothing the leader writes: for a loop after a failover, or for
  // good when it had WAL past the fork ("not in this server's history": it needs a reinit). Its lag says nothing.
  if (m.timeline !== undefined && leaderTimeline !== undefined && m.timeline < leaderTimeline) return no(`on timeline ${m.timeline}, the leader on ${leaderTimeline}`);
  return { name: m.name, fit: true };
}

export function judgeHealth(members: MemberFacts[], opts: HealthOptions): HealthJudgement {
  const leaders = members.filter((m) => isLeaderRole(m.role) && !GONE_PHASES.has(m.podPhase ?? ''));
  const leader = leaders.length === 1 ? leaders[0] : undefined;
  const judged = members.map((m) => judgeMember(m, m === leader, opts.maxLagBytes, leader?.timeline));
  const reasons: string[] = [];
  if (members.length === 0) return { health: opts.wanted === 0 ? 'Stopped' : 'Pending', reasons: opts.wanted === 0 ? [] : ['no member yet'], members: [] };
  if (leaders.length > 1) reasons.push(`several leaders: ${leaders.map((l) => l.name).join(', ')}`);
  if (!leader && leaders.length === 0) reasons.push('no leader');
  for (const j of judged) if (!j.fit) reasons.push(`${j.name}: ${j.reason}`);
  if (members.length < opts.wanted) reasons.push(`${members.length} of ${opts.wanted} members exist`);
  const health: Health = !leader ? 'NoLeader' : reasons.length > 0 ? 'Degraded' : 'Healthy';
  return { health, leader: leader?.name, reasons, members: judged };
}

/** Spilo's maximum_lag_on_failover when a manifest sets none (32 MiB; Patroni's own default is 1 MiB) */
export const SPILO_MAX_LAG_BYTES = 33_554_432;

type PodLike = { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: unknown }; status?: unknown };
type PodStatusLike = {
  phase?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: { state?: { waiting?: { reason?: string } } }[];
};

/** Patroni's member record in a pod's `status` annotation (what it writes through the Kubernetes DCS) */
function patroniAnnotation(pod: PodLike): { state?: string; role?: string; xlog_location?: number } {
  try {
    const v = JSON.parse(pod.metadata.annotations?.status ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as { state?: string; role?: string; xlog_location?: number }) : {};
  } catch {
    return {};
  }
}

/**
 * Member facts from the pods alone (no network): the role label Patroni sets,
 * its `status` annotation (state, WAL position) and the pod's own state. Lag
 * is the leader's last reported WAL position minus the member's, so it is as
 * fresh as Patroni's last heartbeat (loop_wait).
 */
export function membersFromPods(pods: readonly PodLike[], roleLabel: string): MemberFacts[] {
  const notes = pods.map((p) => [p, patroniAnnotation(p)] as const);
  const leaderNote = notes.find(([p]) => p.metadata.labels?.[roleLabel] === 'master')?.[1];
  return notes.map(([p, note]) => {
    const s = (p.status ?? {}) as PodStatusLike;
    const label = p.metadata.labels?.[roleLabel];
    const waiting = (s.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).find(Boolean);
    const ready = s.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    const lag =
      label !== 'master' && typeof leaderNote?.xlog_location === 'number' && typeof note.xlog_location === 'number'
        ? Math.max(0, leaderNote.xlog_location - note.xlog_location)
        : undefined;
    return {
      name: p.metadata.name,
      role: label === 'master' || label === 'replica' ? label : (note.role ?? 'unknown'),
      // a pod without Patroni's label is not (yet) a member that follows anyone; a labelled one without Patroni's
      // note (a DCS other than Kubernetes: only Spilo's callback labels the pod) is as its readiness says
      state: label ? (note.state ?? (ready ? 'running' : 'unknown')) : note.state && note.state !== 'running' ? note.state : 'not labelled by Patroni',
      lagBytes: lag,
      podReady: ready,
      podPhase: p.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? s.phase ?? 'Pending'),
    };
  });
}
