// One entry for every day-2 task, from the CLI and the console alike: load
// the cluster's facts, apply the guard rails (unknown names, a rollout in
// progress, a task that would lose the last copy of the data), and answer
// the plan with whether it is destructive (it then needs a typed confirmation).
import { candidateLeads, planFailover } from './failover.ts';
import { loadFacts, rolloutInProgress, type ClusterFacts, type TaskEnv } from './facts.ts';
import { prepareLogicalTask, type LogicalTaskRequest } from './logical-tasks.ts';
import { prepareCloneTask, type CloneTaskRequest } from './clone.ts';
import { planPause } from './pause.ts';
import { planRecreateMember } from './recreate-member.ts';
import { planReinit } from './reinit.ts';
import { planRestart, restartTargets } from './restart.ts';
import type { TaskPlan } from './runner.ts';
import { planSwitchover } from './switchover.ts';
import { TaskRefused } from './types.ts';

export type TaskRequest =
  | { kind: 'switchover'; cluster: string; candidate?: string; at?: string }
  | { kind: 'failover'; cluster: string; candidate: string }
  | { kind: 'restart'; cluster: string; member?: string; pending?: boolean }
  | { kind: 'reinit'; cluster: string; member: string }
  | { kind: 'pause' | 'resume'; cluster: string }
  | { kind: 'recreate-member'; cluster: string; member: string }
  | LogicalTaskRequest
  | CloneTaskRequest;

export type TaskKind = TaskRequest['kind'];
export const TASK_KINDS: TaskKind[] = ['switchover', 'failover', 'restart', 'reinit', 'pause', 'resume', 'recreate-member'];

export interface PreparedTask {
  plan: TaskPlan;
  /** failover, reinit, recreate-member, a restart that includes the leader: confirmed by typing the cluster's name */
  destructive: boolean;
  facts: ClusterFacts;
}

/** Default wait for each "until healthy" step; the CLI's --timeout overrides it. */
export const DEFAULT_TIMEOUT_MS = 180_000;

export async function prepareTask(env: TaskEnv, req: TaskRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<PreparedTask> {
  // Logical backups read S3 and dump or restore through SQL: no rollout guard (the CronJob has none either).
  if (req.kind === 'logical-backup' || req.kind === 'logical-restore') return prepareLogicalTask(env, req);
  // A clone's source may be deleted: it is planned from S3, not from the source's facts.
  if (req.kind === 'clone') {
    const c = await prepareCloneTask(env, req, timeoutMs, DEFAULT_TIMEOUT_MS);
    return { plan: c.plan, destructive: c.destructive, facts: undefined as unknown as ClusterFacts };
  }
  const f = await loadFacts(env, req.cluster);
  const rollout = rolloutInProgress(f);
  if (rollout) throw new TaskRefused(rollout);
  switch (req.kind) {
    case 'switchover':
      return { plan: planSwitchover(env, f, { candidate: req.candidate, at: req.at, timeoutMs }), destructive: false, facts: f };
    case 'failover':
      // to the member that leads already it changes nothing: no name to type
      return { plan: planFailover(env, f, { candidate: req.candidate, timeoutMs }), destructive: !candidateLeads(f, req.candidate), facts: f };
    case 'restart':
      return { plan: planRestart(env, f, { member: req.member, pending: req.pending, timeoutMs }), destructive: restartTargets(f, req).leader, facts: f };
    case 'reinit':
      return { plan: planReinit(env, f, { member: req.member, timeoutMs }), destructive: true, facts: f };
    case 'pause':
    case 'resume':
      return { plan: planPause(env, f, { paused: req.kind === 'pause', timeoutMs }), destructive: false, facts: f };
    case 'recreate-member':
      return { plan: await planRecreateMember(env, f, { member: req.member, timeoutMs }), destructive: true, facts: f };
  }
}

export { TaskRefused };
