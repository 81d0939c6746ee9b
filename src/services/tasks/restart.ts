// Restart PostgreSQL on one member or all (replicas first, the leader last, as
// a rolling restart should), through each member's own POST /restart; with
// --pending only where Patroni says a restart is pending. Each member must be
// running again before the next one goes down.
import { isLeaderRole } from '../patroni/types.ts';
import { clientFor, leaderOf, memberNames, memberOf, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { StepSpec, TaskPlan } from './runner.ts';
import { TaskRefused } from './types.ts';
import { healthy, summary, waitFor } from './wait.ts';

export interface RestartRequest {
  member?: string;
  pending?: boolean;
  timeoutMs: number;
}

/** Which members the restart touches, in order; and whether the leader is among them (destructive). */
export function restartTargets(f: ClusterFacts, req: Pick<RestartRequest, 'member' | 'pending'>): { members: string[]; leader: boolean } {
  if (req.member) podOf(f, req.member);
  if (!f.patroni) throw new TaskRefused(`no member of ${f.name} answers Patroni's REST API (${f.patroniError ?? 'unknown'}); nothing can be restarted`);
  const leader = leaderOf(f);
  const all = req.member ? [req.member] : memberNames(f);
  const chosen = all.filter((m) => !req.pending || memberOf(f, m)?.pendingRestart);
  const ordered = [...chosen.filter((m) => m !== leader), ...chosen.filter((m) => m === leader)];
  return { members: ordered, leader: leader !== undefined && ordered.includes(leader) };
}

export function planRestart(env: TaskEnv, f: ClusterFacts, req: RestartRequest): TaskPlan {
  const { members } = restartTargets(f, req);
  const key = `${f.namespace}/${f.name}`;
  const what = req.member ?? (req.pending ? 'members with a pending restart' : 'all members');
  if (members.length === 0) {
    return { kind: 'restart', cluster: key, member: req.member, title: `restart of ${f.name} (${what})`, steps: [{ name: 'find members with a pending restart', run: async (s) => void s.result(`no member of ${f.name} has a pending restart; nothing restarted`) }] };
  }
  const steps: StepSpec[] = members.map((m) => ({
    name: `restart ${m}${isLeaderRole(memberOf(f, m)?.role ?? '') ? ' (leader)' : ''}`,
    run: async (s) => {
      s.waiting(`Patroni on ${m} to restart PostgreSQL`);
      const said = await clientFor(env, podOf(f, m), 120_000).restart({ restartPending: req.pending });
      await waitFor(env, f.name, s, (now) => {
        const j = now.health.members.find((x) => x.name === m);
        return j?.fit ? undefined : `${m} running again (${j?.reason ?? 'not seen'})`;
      }, req.timeoutMs);
      return said;
    },
  }));
  steps.push({
    name: `wait for ${f.name} to be healthy${req.pending ? ' with no restart pending' : ''}`,
    run: async (s) => {
      const done = await waitFor(env, f.name, s, (now) => healthy(now) ?? (req.pending ? stillPending(now, members) : undefined), req.timeoutMs);
      s.result(`restarted ${members.join(', ')}; ${summary(done)}`);
      return summary(done);
    },
  });
  return { kind: 'restart', cluster: key, member: req.member, title: `restart of ${f.name}: ${members.join(', ')}`, steps };
}

function stillPending(f: ClusterFacts, members: string[]): string | undefined {
  const left = members.filter((m) => memberOf(f, m)?.pendingRestart);
  return left.length ? `the pending restart to clear on ${left.join(', ')}` : undefined;
}
