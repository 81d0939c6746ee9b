// Leader changes as Events on the postgresql object: `kubectl describe
// postgresql` and `zpg status` then tell when the leader moved and to whom,
// next to the operator's own events. The leader is the pod Patroni labels
// with the role label (spilo-role=master); this remembers the last one per
// cluster and says what to record when it changes. The first sight of a
// cluster (an operator start) records nothing: it is not a change.
import type { EventType } from '../../services/kube/events.ts';

export interface LeaderPodLike {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
}

export interface LeaderEvent {
  type: EventType;
  reason: 'LeaderChanged' | 'LeaderLost' | 'LeaderElected';
  message: string;
}

const LEADER_VALUES = new Set(['master', 'primary']);

/** the pod labelled leader, unless it is going away; several labelled (a failover mid-way) count as none */
export function labelledLeader(pods: LeaderPodLike[], roleLabel = 'spilo-role'): string | undefined {
  const leaders = pods.filter((p) => LEADER_VALUES.has(p.metadata?.labels?.[roleLabel] ?? '') && !p.metadata?.deletionTimestamp);
  return leaders.length === 1 ? leaders[0].metadata?.name : undefined;
}

/**
 * How long a cluster may be without a labelled leader before it is told as lost: a switchover passes through a
 * moment without one (the old leader demoted, the new one not yet promoted), which is no news.
 */
export const LEADER_LOST_GRACE_MS = 10_000;

export class LeaderEvents {
  private readonly last = new Map<string, string | null>();
  /** the last member that led, kept through a moment without a leader (a switchover passes through one) */
  private readonly lastLeader = new Map<string, string>();
  /** since when a cluster that had a leader has none, until it is told as lost */
  private readonly lostSince = new Map<string, number>();
  private readonly graceMs: number;

  constructor(graceMs = LEADER_LOST_GRACE_MS) {
    this.graceMs = graceMs;
  }

  /** what to record for cluster `key` (namespace/name) now that `leader` leads, or undefined */
  observe(key: string, leader: string | undefined, nowMs = Date.now()): LeaderEvent | undefined {
    const now = leader ?? null;
    if (!this.last.has(key)) {
      this.last.set(key, now);
      if (now) this.lastLeader.set(key, now);
      return undefined;
    }
    const before = this.last.get(key) ?? null;
    if (now === null) {
      if (before !== null) {
        this.last.set(key, null);
        this.lostSince.set(key, nowMs);
      }
      const since = this.lostSince.get(key);
      if (since === undefined || nowMs - since < this.graceMs) return undefined;
      this.lostSince.delete(key);
      return { type: 'Warning', reason: 'LeaderLost', message: `no member has held the leader role for ${Math.round((nowMs - since) / 1000)} s (was ${this.lastLeader.get(key)})` };
    }
    if (before === now) return undefined;
    // a loss not told yet: the leader came back within the grace period, so there was nothing to tell
    const untold = this.lostSince.delete(key);
    this.last.set(key, now);
    const previous = before ?? this.lastLeader.get(key);
    this.lastLeader.set(key, now);
    if (!previous) return { type: 'Normal', reason: 'LeaderElected', message: `${now} is the leader` };
    if (previous === now) return untold ? undefined : { type: 'Normal', reason: 'LeaderElected', message: `${now} is the leader again` };
    return { type: 'Normal', reason: 'LeaderChanged', message: `${now} is the leader (was ${previous})` };
  }

  /** in how many ms `key` must be observed again for a loss to be told on time; undefined when none is pending */
  recheckInMs(key: string, nowMs = Date.now()): number | undefined {
    const since = this.lostSince.get(key);
    return since === undefined ? undefined : Math.max(0, since + this.graceMs - nowMs);
  }

  /** the cluster was deleted */
  forget(key: string): void {
    this.last.delete(key);
    this.lastLeader.delete(key);
    this.lostSince.delete(key);
  }
}
