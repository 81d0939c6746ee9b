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

export class LeaderEvents {
  private readonly last = new Map<string, string | null>();
  /** the last member that led, kept through a moment without a leader (a switchover passes through one) */
  private readonly lastLeader = new Map<string, string>();

  /** what to record for cluster `key` (namespace/name) now that `leader` leads, or undefined */
  observe(key: string, leader: string | undefined): LeaderEvent | undefined {
    const now = leader ?? null;
    if (!this.last.has(key)) {
      this.last.set(key, now);
      if (now) this.lastLeader.set(key, now);
      return undefined;
    }
    const before = this.last.get(key) ?? null;
    if (before === now) return undefined;
    this.last.set(key, now);
    if (now === null) return { type: 'Warning', reason: 'LeaderLost', message: `no member holds the leader role (was ${before})` };
    const previous = before ?? this.lastLeader.get(key);
    this.lastLeader.set(key, now);
    if (!previous) return { type: 'Normal', reason: 'LeaderElected', message: `${now} is the leader` };
    if (previous === now) return { type: 'Normal', reason: 'LeaderElected', message: `${now} is the leader again` };
    return { type: 'Normal', reason: 'LeaderChanged', message: `${now} is the leader (was ${previous})` };
  }

  /** the cluster was deleted */
  forget(key: string): void {
    this.last.delete(key);
    this.lastLeader.delete(key);
  }
}
