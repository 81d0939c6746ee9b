// Reinitialise a replica: Patroni on that member wipes its data directory and
// takes a new base backup from the leader. Never the leader (Patroni refuses
// too); then wait for the member to stream again and the cluster to be healthy.
import { clientFor, leaderOf, memberNames, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { TaskRefused } from './types.ts';
import { healthy, summary, until, waitFor } from './wait.ts';

export function planReinit(env: TaskEnv, f: ClusterFacts, req: { member: string; timeoutMs: number }): TaskPlan {
  const pod = podOf(f, req.member);
  const leader = leaderOf(f);
  if (!leader) throw new TaskRefused(`${f.name} has no leader; a replica can only be reinitialised from one`);
  if (req.member === leader) throw new TaskRefused(`${req.member} leads ${f.name}; switch over first (zpg switchover ${f.name}), then reinitialise it`);
  let started: string | undefined;
  return {
    kind: 'reinit',
    cluster: `${f.namespace}/${f.name}`,
    member: req.member,
    title: `reinitialise ${req.member} of ${f.name} from ${leader}`,
    steps: [
      {
        name: `ask Patroni on ${req.member} to reinitialise it`,
        run: async () => {
          started = (await clientFor(env, pod).member()).postmasterStartTime;
          return clientFor(env, pod, 30_000).reinitialize(true);
        },
      },
      {
        name: `wait for ${req.member} to stream from ${leader}`,
        run: async (s) => {
          // Patroni answers before the work starts: a new postmaster is the sign that the data directory was rebuilt.
          await until(s, `a new PostgreSQL on ${req.member}`, async () => {
            const now = (await clientFor(env, pod).member()).postmasterStartTime;
            return now !== undefined && now !== started;
          }, req.timeoutMs);
          const done = await waitFor(env, f.name, s, (now) => {
            const j = now.health.members.find((x) => x.name === req.member);
            return j?.fit ? undefined : `${req.member} to stream (${j?.reason ?? 'not seen'})`;
          }, req.timeoutMs);
          return summary(done);
        },
      },
      {
        name: `wait for ${f.name} to be healthy (${memberNames(f).length} members)`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, healthy, req.timeoutMs);
          s.result(`${req.member} reinitialised; ${summary(done)}`);
          return summary(done);
        },
      },
    ],
  };
}
