// A planned switchover through Patroni's REST API on the leader: to a named
// replica, or to the best one (fit, no nofailover tag, least lag); now, or at
// a time Patroni keeps in the DCS. Then wait for the new leader and health.
import { clientFor, failoverCandidates, leaderOf, memberNames, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { BadInput, TaskRefused } from './types.ts';
import { healthyOnLeaderTimeline, leaderTimeline, leads, summary, waitFor } from './wait.ts';

export interface SwitchoverRequest {
  candidate?: string;
  /** ISO 8601 with a time zone */
  at?: string;
  timeoutMs: number;
}

/** The replica a switchover or failover goes to: the named one if it may, else the best. */
export function pickCandidate(f: ClusterFacts, named: string | undefined, action: string): string {
  const ok = failoverCandidates(f);
  if (named) {
    podOf(f, named);
    if (named === leaderOf(f)) throw new TaskRefused(`${named} already leads ${f.name}; name a replica: ${ok.map((m) => m.name).join(', ') || 'none is fit'}`);
    if (!ok.some((m) => m.name === named)) {
      const why = f.health.members.find((m) => m.name === named)?.reason ?? (f.patroni?.members.find((m) => m.name === named)?.tags?.nofailover ? 'tagged nofailover' : 'not a fit replica');
      throw new TaskRefused(`${named} cannot take over (${why}); fit replicas: ${ok.map((m) => m.name).join(', ') || 'none'}`);
    }
    return named;
  }
  if (!ok.length) throw new TaskRefused(`no replica of ${f.name} is fit to take over (${f.health.reasons.join('; ') || 'no replicas'}); a ${action} needs one`);
  return ok[0].name;
}

export function checkAt(at: string): string {
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(at) || Number.isNaN(Date.parse(at))) {
    throw new BadInput(`--at ${at}: not a time with a zone; use ISO 8601 such as 2026-12-05T02:00:00Z or 2026-12-05T03:00+01:00`);
  }
  if (Date.parse(at) <= Date.now()) throw new BadInput(`--at ${at}: that time has passed`);
  return new Date(Date.parse(at)).toISOString();
}

export function planSwitchover(env: TaskEnv, f: ClusterFacts, req: SwitchoverRequest): TaskPlan {
  const leader = leaderOf(f);
  if (!leader || !f.patroni) throw new TaskRefused(`${f.name} has no leader${f.patroniError ? ` (${f.patroniError})` : ''}; a switchover needs one — use zpg failover --candidate MEMBER`);
  const candidate = pickCandidate(f, req.candidate, 'switchover');
  const at = req.at ? checkAt(req.at) : undefined;
  const key = `${f.namespace}/${f.name}`;
  const ask = {
    name: at ? `schedule the switchover ${leader} → ${candidate} at ${at} (Patroni on ${leader})` : `ask Patroni on ${leader} to switch over to ${candidate}`,
    run: async () => clientFor(env, podOf(f, leader), 60_000).switchover(leader, candidate, at),
  };
  if (at) {
    return { kind: 'switchover', cluster: key, member: candidate, title: `switchover of ${f.name} from ${leader} to ${candidate} at ${at}`, steps: [{ ...ask, run: async (s) => { const said = await ask.run(); s.result(`switchover of ${f.name} to ${candidate} scheduled at ${at} (Patroni: ${said})`); return said; } }] };
  }
  return {
    kind: 'switchover',
    cluster: key,
    member: candidate,
    title: `switchover of ${f.name} from ${leader} to ${candidate}`,
    steps: [
      ask,
      { name: `wait for ${candidate} to lead`, run: async (s) => summary(await waitFor(env, f.name, s, leads(candidate, leaderTimeline(f)), req.timeoutMs)) },
      {
        name: `wait for ${f.name} to be healthy (${memberNames(f).length} members)`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, healthyOnLeaderTimeline, req.timeoutMs);
          s.result(`${candidate} leads ${f.name}; ${summary(done)}`);
          return summary(done);
        },
      },
    ],
  };
}
