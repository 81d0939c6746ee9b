// What one reconcile tells the queue, in controller-runtime's shape: done
// (an empty result), or "come back after N ms" (a rollout waiting for a pod, a
// role sync waiting for a leader). Errors are still thrown: the queue retries
// those with back-off.

export interface ReconcileResult {
  /** queue the cluster again after this many milliseconds */
  requeueAfterMs?: number;
}

export const DONE: ReconcileResult = Object.freeze({});

export const requeueAfter = (ms: number): ReconcileResult => ({ requeueAfterMs: Math.max(0, Math.round(ms)) });

/** Two parts of a reconcile each asked to come back: the cluster comes back at the sooner of the two. */
export function soonest(a: ReconcileResult | void | undefined, b: ReconcileResult | void | undefined): ReconcileResult {
  const x = a?.requeueAfterMs;
  const y = b?.requeueAfterMs;
  if (x === undefined) return y === undefined ? DONE : { requeueAfterMs: y };
  return { requeueAfterMs: y === undefined ? x : Math.min(x, y) };
}
