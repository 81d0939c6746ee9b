// A failover to a named replica, for when the leader is gone or must go now:
// POST /failover to the candidate's own API (the leader may not answer), then
// wait for the candidate to lead and the cluster to be healthy again.
import { isLeaderRole } from '../patroni/types.ts';
import { clientFor, leaderOf, memberNames, memberOf, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { TaskRefused } from './types.ts';
import { healthyOnLeaderTimeline, leaderTimeline, leads, summary, waitFor } from './wait.ts';

const RUNNING = new Set(['running', 'streaming']);

/** The candidate leads already (Patroni promoted it by itself, or a script runs the failover again): nothing to do but wait. */
export function candidateLeads(f: ClusterFacts, candidate: string): boolean {
  const m = memberOf(f, candidate);
  return m !== undefined && isLeaderRole(m.role);
}

export function planFailover(env: TaskEnv, f: ClusterFacts, req: { candidate: string; timeoutMs: number }): TaskPlan {
  const pod = podOf(f, req.candidate);
  const m = memberOf(f, req.candidate);
  const replicas = (f.patroni?.members ?? []).filter((x) => !isLeaderRole(x.role)).map((x) => x.name);
  if (!f.patroni) throw new TaskRefused(`no member of ${f.name} answers Patroni's REST API (${f.patroniError ?? 'unknown'}); nothing can fail over`);
  // Patroni may have promoted it by itself meanwhile (the leader died a ttl ago): then only the wait is left.
  const leadsAlready = candidateLeads(f, req.candidate);
  if (!m || (!leadsAlready && !RUNNING.has(m.state))) throw new TaskRefused(`${req.candidate} cannot take over (${m ? m.state : 'not in Patroni'}); running replicas: ${replicas.join(', ') || 'none'}`);
  if (m.tags?.nofailover === true) throw new TaskRefused(`${req.candidate} is tagged nofailover; Patroni will not promote it`);
  const leader = leaderOf(f);
  return {
    kind: 'failover',
    cluster: `${f.namespace}/${f.name}`,
    member: req.candidate,
    title: `failover of ${f.name} to ${req.candidate}${leadsAlready ? ' (it leads already)' : leader ? ` (leader now: ${leader})` : ' (no leader)'}`,
    steps: [
      {
        name: leadsAlready ? `${req.candidate} leads already: nothing to ask Patroni` : `ask Patroni on ${req.candidate} to fail over to it`,
        run: async (s) => (leadsAlready ? s.skip(`${req.candidate} leads already`) : clientFor(env, pod, 60_000).failover(req.candidate)),
      },
      { name: `wait for ${req.candidate} to lead`, run: async (s) => summary(await waitFor(env, f.name, s, leads(req.candidate, leadsAlready ? undefined : leaderTimeline(f)), req.timeoutMs)) },
      {
        name: `wait for ${f.name} to be healthy (${memberNames(f).length} members)`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, healthyOnLeaderTimeline, req.timeoutMs);
          s.result(`${req.candidate} leads ${f.name}; ${summary(done)}`);
          return summary(done);
        },
      },
    ],
  };
}
