// What `kubectl get pods` shows of a member's pod: READY, the phase (or why it
// is not running: Terminating, CrashLoopBackOff, ...), RESTARTS, since when it
// exists, its node; and the Patroni tags it carries. Pure.

export interface PodFactsLike {
  metadata?: { creationTimestamp?: Date | string; deletionTimestamp?: Date | string };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name?: string; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[];
  };
}

export interface PodFacts {
  podReady: boolean;
  /** the phase, or what keeps the pod from running (Terminating, CrashLoopBackOff, ImagePullBackOff, Error, ...) */
  podPhase: string;
  /** restarts of the pod's containers, summed as kubectl's RESTARTS */
  restarts: number;
  /** when the pod was created (RFC 3339): its AGE counts from here */
  age?: string;
  node?: string;
}

const iso = (v: Date | string | undefined) => (v instanceof Date ? v.toISOString() : v);

export function podFacts(p: PodFactsLike): PodFacts {
  const containers = p.status?.containerStatuses ?? [];
  const stuck = containers.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find((r) => r && r !== 'ContainerCreating' && r !== 'PodInitializing');
  return {
    podReady: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    podPhase: p.metadata?.deletionTimestamp ? 'Terminating' : (stuck ?? p.status?.phase ?? 'Pending'),
    restarts: containers.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    age: iso(p.metadata?.creationTimestamp),
    node: p.spec?.nodeName,
  };
}

/** Patroni's tags from the pod's `status` annotation (nofailover, noloadbalance, nosync, clonefrom, ...) */
export function annotationTags(annotations: Record<string, string> | undefined): Record<string, unknown> | undefined {
  try {
    const doc = JSON.parse(annotations?.status ?? '{}') as { tags?: unknown };
    return doc.tags && typeof doc.tags === 'object' && !Array.isArray(doc.tags) ? (doc.tags as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
