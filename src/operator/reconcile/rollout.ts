// The rolling update's next step, decided from the pods alone. The state is
// the pods' rolling-update annotation (as in Zalando): a marked pod still runs
// an old template. Replicas are recreated one at a time, each only when every
// other member is fit; then one switchover; then the old primary, which by
// then is a marked replica. A daemon that restarts anywhere in between reads
// the same annotations and takes the same next step, so no second switchover
// happens. Pure: the runner (controller/rollout-runner.ts) does the I/O.
import type { KubeObj } from '../build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../build/meta.ts';
import type { MaintenanceWindow } from '../model/maintenance-window.ts';
import type { ClusterMember } from '../../services/patroni/types.ts';
import { isLeaderRole } from '../../services/patroni/types.ts';
import { judgeHealth, membersFromPods } from './health.ts';

export interface RolloutInput {
  cluster: string;
  pods: KubeObj[];
  /** the StatefulSet's replicas */
  wanted: number;
  roleLabel: string;
  maxLagBytes: number;
  now: Date;
  /** when the runner began waiting for a pod (it recreated it, or first saw it unfit), by pod name */
  since: Readonly<Record<string, string>>;
  /** how long a pod may take to come back (pod_label_wait_timeout) */
  timeoutMs: number;
  /** this daemon took a step of this cluster's rollout and has not seen it through */
  active: boolean;
  /** the maintenance windows that gate the switchover; empty = any time */
  windows: MaintenanceWindow[];
}

export interface Progress {
  /** the pod this step is about, counted from 1 */
  n: number;
  total: number;
}

export type RolloutStep =
  | { kind: 'none' }
  | { kind: 'done' }
  | { kind: 'wait'; pod?: string; what: string; since: string; progress: Progress }
  | { kind: 'failed'; pod: string; reason: string; since: string; progress: Progress }
  | { kind: 'recreate'; pod: string; role: 'replica' | 'primary'; progress: Progress }
  | { kind: 'switchover'; from: string; scheduleAt?: string; progress: Progress };

export const isMarked = (p: KubeObj) => p.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true';
const ordinal = (name: string) => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);
const byOrdinal = (a: KubeObj, b: KubeObj) => ordinal(a.metadata.name) - ordinal(b.metadata.name);

export function decideRollout(i: RolloutInput): RolloutStep {
  const live = i.pods.filter((p) => !p.metadata.deletionTimestamp).sort(byOrdinal);
  const marked = live.filter(isMarked);
  if (marked.length === 0 && !i.active) return { kind: 'none' };
  const total = Math.max(i.wanted, live.length, 1);
  const progress: Progress = { n: Math.min(total, total - marked.length + 1), total };
  const now = i.now.toISOString();
  const since = (pod: string) => i.since[pod] ?? now;
  const overdue = (pod: string) => i.now.getTime() - Date.parse(since(pod)) >= i.timeoutMs;
  // a pod being recreated is the last one counted, not the next
  const back: Progress = { n: Math.max(1, total - marked.length), total };
  const wait = (pod: string | undefined, what: string, reason = what): RolloutStep =>
    pod && overdue(pod) ? { kind: 'failed', pod, reason, since: since(pod), progress: back } : { kind: 'wait', pod, what, since: since(pod ?? ''), progress: back };

  const leaving = i.pods.find((p) => p.metadata.deletionTimestamp);
  if (leaving) return wait(leaving.metadata.name, `pod ${leaving.metadata.name} to terminate`, 'did not terminate in time');
  for (let n = 0; n < i.wanted; n++) {
    const name = `${i.cluster}-${n}`;
    if (!live.some((p) => p.metadata.name === name)) return wait(name, `pod ${name} to be created`, 'was not created again in time');
  }

  const judged = judgeHealth(membersFromPods(live, i.roleLabel), { wanted: i.wanted, maxLagBytes: i.maxLagBytes });
  const fit = new Map(judged.members.map((m) => [m.name, m]));
  for (const p of live) {
    const m = fit.get(p.metadata.name);
    if (isMarked(p) || !m || m.fit) continue;
    return wait(p.metadata.name, `pod ${p.metadata.name} to be running and streaming (now: ${m.reason})`, `not back in time: ${m.reason}`);
  }
  const leader = judged.leader;
  if (!leader) return wait(undefined, judged.reasons[0] === 'no leader' ? 'a leader' : `one leader (${judged.reasons[0] ?? ''})`);
  if (marked.length === 0) return { kind: 'done' };

  const replica = marked.find((p) => p.metadata.name !== leader);
  if (replica) return { kind: 'recreate', pod: replica.metadata.name, role: 'replica', progress };
  if (live.length === 1) return { kind: 'recreate', pod: leader, role: 'primary', progress };
  const open = i.windows.length === 0 || nextWindowStart(i.windows, i.now) === undefined;
  return { kind: 'switchover', from: leader, progress, ...(open ? {} : { scheduleAt: nextWindowStart(i.windows, i.now) }) };
}

/**
 * undefined when `now` is inside a window; else the start of the next one
 * (ISO, UTC), which is when Patroni is told to run a scheduled switchover.
 */
export function nextWindowStart(windows: MaintenanceWindow[], now: Date): string | undefined {
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  const inside = windows.some((w) => (w.weekday === undefined || w.weekday === now.getUTCDay()) && minute >= w.fromMinute && minute <= w.toMinute);
  if (inside || windows.length === 0) return undefined;
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let best: number | undefined;
  for (let day = 0; day <= 7; day++) {
    const date = new Date(midnight + day * 86_400_000);
    for (const w of windows) {
      if (w.weekday !== undefined && w.weekday !== date.getUTCDay()) continue;
      const at = date.getTime() + w.fromMinute * 60_000;
      if (at > now.getTime() && (best === undefined || at < best)) best = at;
    }
  }
  return best === undefined ? undefined : new Date(best).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Whom Patroni should hand the leadership to: a running replica that may
 * become leader (no nofailover tag) and does not still wait for its own
 * recreation, a synchronous standby first, then the least lag.
 */
export function switchoverCandidate(members: ClusterMember[], leader: string, stillMarked: ReadonlySet<string>, maxLagBytes: number): ClusterMember | undefined {
  const able = members.filter(
    (m) =>
      m.name !== leader &&
      !isLeaderRole(m.role) &&
      (m.state === 'running' || m.state === 'streaming') &&
      !stillMarked.has(m.name) &&
      m.tags?.nofailover !== true &&
      m.tags?.nofailover !== 'true' &&
      m.lagBytes !== null &&
      (m.lagBytes ?? 0) <= maxLagBytes,
  );
  const rank = (m: ClusterMember) => [m.role === 'sync_standby' ? 0 : 1, m.lagBytes ?? 0] as const;
  return able.sort((a, b) => {
    const [ra, la] = rank(a);
    const [rb, lb] = rank(b);
    return ra - rb || la - lb || a.name.localeCompare(b.name);
  })[0];
}

/** The UpToDate condition's words for a step, for status and `kubectl get pg -o yaml` */
export function describeStep(s: RolloutStep): { reason: string; message: string } | undefined {
  switch (s.kind) {
    case 'wait':
      return { reason: 'RollingUpdate', message: `pod ${s.progress.n} of ${s.progress.total}: waiting for ${s.what} since ${s.since}` };
    case 'failed':
      return { reason: 'RollingUpdateFailed', message: `stopped at pod ${s.progress.n} of ${s.progress.total}: ${s.pod} ${s.reason} (waited since ${s.since})` };
    case 'recreate':
      return { reason: 'RollingUpdate', message: `pod ${s.progress.n} of ${s.progress.total}: recreating ${s.role} ${s.pod}` };
    case 'switchover':
      return s.scheduleAt
        ? { reason: 'SwitchoverScheduled', message: `pod ${s.progress.n} of ${s.progress.total}: switchover from ${s.from} scheduled at ${s.scheduleAt} (next maintenance window)` }
        : { reason: 'RollingUpdate', message: `pod ${s.progress.n} of ${s.progress.total}: switching over from ${s.from}` };
    default:
      return undefined;
  }
}
