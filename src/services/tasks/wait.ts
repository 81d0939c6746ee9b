// Waiting for the cluster to reach a state: reload the facts about once a
// second, tell the step what is still missing, give up at a deadline with the
// last thing that was missing.
import type { StepHandle } from './runner.ts';
import { leaderOf, loadFacts, type ClusterFacts, type TaskEnv } from './facts.ts';

export const POLL_MS = 1_000;

/** `missing` answers what the cluster still lacks, or undefined once it is there. */
export async function waitFor(env: TaskEnv, name: string, step: StepHandle, missing: (f: ClusterFacts) => string | undefined, timeoutMs: number): Promise<ClusterFacts> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    if (step.signal.aborted) throw new Error('interrupted');
    try {
      const f = await loadFacts(env, name);
      const why = missing(f);
      if (why === undefined) return f;
      last = why;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    step.waiting(last);
    if (Date.now() > deadline) throw new Error(`gave up after ${Math.round(timeoutMs / 1000)} s; still waiting for ${last}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Healthy as the operator judges it: one leader, every member fit, as many as wanted. */
export const healthy = (f: ClusterFacts) => (f.health.health === 'Healthy' ? undefined : `a healthy cluster (${f.health.reasons.join('; ') || f.health.health})`);

/** The leader's timeline as Patroni reports it, if it does; a standby cluster's leader is not promoted, so none. */
export function leaderTimeline(f: ClusterFacts): number | undefined {
  const m = f.patroni?.members.find((x) => x.name === leaderOf(f));
  return m?.role === 'standby_leader' ? undefined : m?.timeline;
}

/**
 * `member` leads, and, when `after` is given, on a newer timeline than that: Patroni names the new leader
 * before its promotion is done, and "leads on timeline 1" after a switchover would be a half-truth.
 */
export function leads(member: string, after?: number) {
  return (f: ClusterFacts) => {
    const leader = leaderOf(f);
    if (leader !== member || f.health.leader !== member) return `${member} to lead (leader now: ${leader ?? 'none'})`;
    const tl = leaderTimeline(f);
    return after === undefined || (tl !== undefined && tl > after) ? undefined : `${member} to finish its promotion (timeline ${tl ?? '?'}, was ${after})`;
  };
}

/** Healthy, with every running replica on the leader's timeline: after a leader change they follow it. */
export function healthyOnLeaderTimeline(f: ClusterFacts): string | undefined {
  const why = healthy(f);
  if (why) return why;
  const tl = leaderTimeline(f);
  if (tl === undefined) return undefined;
  const behind = (f.patroni?.members ?? []).filter((m) => m.name !== leaderOf(f) && (m.state === 'running' || m.state === 'streaming') && m.timeline !== undefined && m.timeline < tl);
  return behind.length ? `${behind.map((m) => m.name).join(', ')} to follow timeline ${tl}` : undefined;
}

/** A one-line summary for the result: who leads, on which timeline, how many members are fit. */
export function summary(f: ClusterFacts): string {
  const fit = f.health.members.filter((m) => m.fit).length;
  const tl = f.patroni?.members.find((m) => m.name === f.health.leader)?.timeline;
  return `leader ${f.health.leader ?? 'none'}${tl ? ` (timeline ${tl})` : ''}, ${fit}/${f.pods.length} members healthy`;
}

/** Polls `check` (true = there) until it holds, telling the step what it waits for. */
export async function until(step: StepHandle, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  step.waiting(what);
  for (;;) {
    if (step.signal.aborted) throw new Error('interrupted');
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
