// Graceful pod deletion, decided as the real server's pod strategy decides
// it: a pod bound to a node keeps existing, with deletionTimestamp = now +
// grace, until its kubelet has stopped the containers and deletes it again
// with grace 0. A pod no node runs (unbound, or finished) goes at once.
import type { KubeObject } from './types.ts';

/** the pod spec's default when terminationGracePeriodSeconds is absent */
export const DEFAULT_GRACE_SECONDS = 30;

/** Seconds the pod gets to stop; 0 means it is removed now. */
export function podGraceSeconds(pod: KubeObject, requested: number | undefined): number {
  const spec = (pod.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? spec.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  // A negative request means "as soon as possible", which the server turns into 1 s.
  return grace < 0 ? 1 : grace;
}
