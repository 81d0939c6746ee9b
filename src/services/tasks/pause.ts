// Patroni's maintenance mode for a whole cluster (PATCH /config on a member
// that answers), then wait until /cluster shows it: while paused, Patroni
// neither fails over nor restarts PostgreSQL.
import { clientFor, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { TaskRefused } from './types.ts';
import { summary, waitFor } from './wait.ts';

export function planPause(env: TaskEnv, f: ClusterFacts, req: { paused: boolean; timeoutMs: number }): TaskPlan {
  const kind = req.paused ? 'pause' : 'resume';
  if (!f.patroni || !f.via) throw new TaskRefused(`no member of ${f.name} answers Patroni's REST API (${f.patroniError ?? 'unknown'}); cannot ${kind}`);
  const via = f.via;
  return {
    kind,
    cluster: `${f.namespace}/${f.name}`,
    title: `${kind} ${f.name}`,
    steps: [
      {
        name: `${req.paused ? 'turn maintenance mode on' : 'turn maintenance mode off'} (Patroni on ${via})`,
        run: async (s) => {
          if (f.patroni!.paused === req.paused) s.skip(`already ${req.paused ? 'paused' : 'not paused'}`);
          else await clientFor(env, podOf(f, via)).setPaused(req.paused);
        },
      },
      {
        name: `wait for Patroni to report it`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, (now) => (now.patroni && Boolean(now.patroni.paused) === req.paused ? undefined : `Patroni to report ${req.paused ? 'paused' : 'resumed'}`), 30_000);
          s.result(`${f.name} ${req.paused ? 'paused: Patroni will not fail over or restart PostgreSQL' : 'resumed: Patroni manages it again'}; ${summary(done)}`);
        },
      },
    ],
  };
}
