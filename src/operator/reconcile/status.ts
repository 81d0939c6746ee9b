// The postgresql status zpg writes: Zalando's PostgresClusterStatus word, so
// existing tools keep working, but judged from what the pods and Patroni show
// (role labels, readiness, the pod `status` annotation) by the one judgement
// of members (health.ts), plus conditions that say why, and the generation
// they describe.
import type { KubeObj } from '../build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../build/meta.ts';
import { ClusterStatus, type Condition, type PostgresqlStatus } from '../model/types.ts';
import { judgeHealth, membersFromPods, SPILO_MAX_LAG_BYTES, type HealthJudgement } from './health.ts';

export type EventKind = 'create' | 'update' | 'sync';

export interface StatusInput {
  previous: PostgresqlStatus | undefined;
  generation: number | undefined;
  kind: EventKind;
  /** the manifest could not be accepted (field errors) */
  invalid?: string;
  /** writing the objects failed */
  failure?: string;
  desiredReplicas: number;
  pods: KubeObj[];
  roleLabel: string;
  /** the cluster's maximum_lag_on_failover (Spilo's 32 MiB when unset): a replica further behind is not fit */
  maxLagBytes?: number;
  /** the rolling update's progress (or why it stopped), when one is under way */
  rollout?: { reason: string; message: string };
  /** the rolling update stopped: UpdateFailed, whatever the event kind */
  rolloutFailed?: string;
  now: Date;
}

const FAILED: Record<EventKind, string> = { create: ClusterStatus.CreateFailed, update: ClusterStatus.UpdateFailed, sync: ClusterStatus.SyncFailed };

export function clusterStatus(input: StatusInput): PostgresqlStatus {
  // The same judgement the rolling update and the console make (reconcile/health.ts), from the pods alone.
  const judged = judgeHealth(membersFromPods(input.pods, input.roleLabel), { wanted: input.desiredReplicas, maxLagBytes: input.maxLagBytes ?? SPILO_MAX_LAG_BYTES });
  const live = input.pods.filter((p) => !p.metadata.deletionTimestamp);
  const m = { total: live.length, ready: judged.members.filter((j) => j.fit).length, pendingRollingUpdate: live.filter((p) => p.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true').length };
  const prevWord = input.previous?.PostgresClusterStatus ?? '';
  const everRan = prevWord === ClusterStatus.Running || prevWord === ClusterStatus.Updating || prevWord === ClusterStatus.SyncFailed || prevWord === ClusterStatus.UpdateFailed;
  const healthy = input.desiredReplicas === 0 || judged.health === 'Healthy';

  let word: string;
  if (input.invalid || input.failure) word = FAILED[input.kind];
  else if (input.rolloutFailed) word = ClusterStatus.UpdateFailed;
  else if (m.pendingRollingUpdate > 0 || input.rollout) word = ClusterStatus.Updating;
  else if (!healthy && !everRan) word = ClusterStatus.Creating;
  else word = ClusterStatus.Running;

  const conditions: Omit<Condition, 'lastTransitionTime'>[] = [
    input.invalid
      ? { type: 'Reconciled', status: 'False', reason: 'InvalidManifest', message: input.invalid }
      : input.failure
        ? { type: 'Reconciled', status: 'False', reason: 'ApplyFailed', message: input.failure }
        : { type: 'Reconciled', status: 'True', reason: 'Synced', message: 'every object matches the manifest' },
    readyCondition(input.desiredReplicas, m.ready, judged),
    input.rollout
      ? { type: 'UpToDate', status: 'False', reason: input.rollout.reason, message: input.rollout.message }
      : m.pendingRollingUpdate > 0
      ? { type: 'UpToDate', status: 'False', reason: 'RollingUpdatePending', message: `${m.pendingRollingUpdate} of ${m.total} pods wait for a rolling update` }
      : { type: 'UpToDate', status: 'True', reason: 'PodsCurrent', message: 'every pod runs the current template' },
  ];
  const previous = input.previous?.conditions ?? [];
  const stamp = input.now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    PostgresClusterStatus: word,
    observedGeneration: input.generation,
    conditions: conditions.map((c) => {
      const before = previous.find((p) => p.type === c.type);
      return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : stamp };
    }),
  };
}

function readyCondition(desired: number, ready: number, j: HealthJudgement): Omit<Condition, 'lastTransitionTime'> {
  const counts = `${ready}/${desired} members ready`;
  const why = j.reasons.join('; ');
  if (desired === 0) return { type: 'Ready', status: 'True', reason: 'ScaledToZero', message: 'numberOfInstances is 0' };
  if (j.reasons.some((r) => r.startsWith('several leaders'))) return { type: 'Ready', status: 'False', reason: 'SeveralLeaders', message: `${counts}; ${why}` };
  if (!j.leader) return { type: 'Ready', status: 'False', reason: 'NoLeader', message: `${counts}; ${why}` };
  if (j.health !== 'Healthy') return { type: 'Ready', status: 'False', reason: 'MembersNotReady', message: `${counts}; leader ${j.leader}; ${why}` };
  return { type: 'Ready', status: 'True', reason: 'MembersReady', message: `${counts}; leader ${j.leader}` };
}

/** Equal apart from timestamps: then there is nothing to write */
export function sameStatus(a: PostgresqlStatus | string | undefined, b: PostgresqlStatus): boolean {
  if (!a || typeof a === 'string') return false;
  const strip = (s: PostgresqlStatus) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: '' })) });
  return strip(a) === strip(b);
}
