// The postgresql status zpg writes: Zalando's PostgresClusterStatus word, so
// existing tools keep working, but judged from what the pods and Patroni show
// (role labels, readiness, the pod `status` annotation), plus conditions that
// say why, and the generation they describe.
import type { KubeObj } from '../build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../build/meta.ts';
import { ClusterStatus, type Condition, type PostgresqlStatus } from '../model/types.ts';

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
  /** the rolling update's progress (or why it stopped), when one is under way */
  rollout?: { reason: string; message: string };
  /** the rolling update stopped: UpdateFailed, whatever the event kind */
  rolloutFailed?: string;
  now: Date;
}

const FAILED: Record<EventKind, string> = { create: ClusterStatus.CreateFailed, update: ClusterStatus.UpdateFailed, sync: ClusterStatus.SyncFailed };

export interface MemberCounts {
  total: number;
  ready: number;
  leaders: string[];
  pendingRollingUpdate: number;
}

export function countMembers(pods: KubeObj[], roleLabel: string): MemberCounts {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const ready = live.filter((p) => {
    const conditions = ((p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
    return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  });
  const leaders = live.filter((p) => p.metadata.labels?.[roleLabel] === 'master' && patroniRunning(p)).map((p) => p.metadata.name);
  const pendingRollingUpdate = live.filter((p) => p.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true').length;
  return { total: live.length, ready: ready.length, leaders, pendingRollingUpdate };
}

/** Patroni's own word for the member, when it wrote one (Patroni 3: running; 4: streaming etc.) */
function patroniRunning(pod: KubeObj): boolean {
  const raw = pod.metadata.annotations?.status;
  if (!raw) return true;
  try {
    const state = (JSON.parse(raw) as { state?: string }).state;
    return state === undefined || state === 'running' || state === 'streaming';
  } catch {
    return true;
  }
}

export function clusterStatus(input: StatusInput): PostgresqlStatus {
  const m = countMembers(input.pods, input.roleLabel);
  const prevWord = input.previous?.PostgresClusterStatus ?? '';
  const everRan = prevWord === ClusterStatus.Running || prevWord === ClusterStatus.Updating || prevWord === ClusterStatus.SyncFailed || prevWord === ClusterStatus.UpdateFailed;
  const healthy = input.desiredReplicas === 0 || (m.leaders.length === 1 && m.ready >= input.desiredReplicas && m.total === input.desiredReplicas);

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
    readyCondition(input.desiredReplicas, m),
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

function readyCondition(desired: number, m: MemberCounts): Omit<Condition, 'lastTransitionTime'> {
  const counts = `${m.ready}/${desired} members ready`;
  if (desired === 0) return { type: 'Ready', status: 'True', reason: 'ScaledToZero', message: 'numberOfInstances is 0' };
  if (m.leaders.length > 1) return { type: 'Ready', status: 'False', reason: 'SeveralLeaders', message: `${counts}; pods labelled master: ${m.leaders.join(', ')}` };
  if (m.leaders.length === 0) return { type: 'Ready', status: 'False', reason: 'NoLeader', message: `${counts}; no pod is the Patroni leader` };
  if (m.ready < desired || m.total !== desired) return { type: 'Ready', status: 'False', reason: 'MembersNotReady', message: `${counts}; leader ${m.leaders[0]}` };
  return { type: 'Ready', status: 'True', reason: 'MembersReady', message: `${counts}; leader ${m.leaders[0]}` };
}

/** Equal apart from timestamps: then there is nothing to write */
export function sameStatus(a: PostgresqlStatus | string | undefined, b: PostgresqlStatus): boolean {
  if (!a || typeof a === 'string') return false;
  const strip = (s: PostgresqlStatus) => JSON.stringify({ ...s, conditions: (s.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: '' })) });
  return strip(a) === strip(b);
}
