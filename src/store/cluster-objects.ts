// Which Kubernetes objects belong to a cluster, by the names the operator
// gives them (with its default name templates) or by the pods' cluster-name
// label. A name prefix is not enough: `app-replica-0` is not a pod of `app`.

export interface ObjectRef {
  kind?: string;
  name?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** name patterns per kind (lowercase); a kind not listed matches none of them */
function patterns(cluster: string): Record<string, RegExp> {
  const c = escape(cluster);
  return {
    postgresql: new RegExp(`^${c}$`),
    // members, including pods already gone (their events outlive them)
    pod: new RegExp(`^${c}-\\d+$`),
    statefulset: new RegExp(`^${c}$`),
    // the leader's and the replicas' services and endpoints, Patroni's config endpoint, the pooler's
    service: new RegExp(`^${c}(-repl|-config|-pooler|-pooler-repl)?$`),
    endpoints: new RegExp(`^${c}(-repl|-config|-pooler|-pooler-repl)?$`),
    deployment: new RegExp(`^${c}-pooler(-repl)?$`),
    replicaset: new RegExp(`^${c}-pooler(-repl)?-[a-z0-9]+$`),
    poddisruptionbudget: new RegExp(`^postgres-${c}(-critical-op)?-pdb$`),
    // {username}.{cluster}.credentials.postgresql.acid.zalan.do
    secret: new RegExp(`^[^.]+\\.${c}\\.credentials\\.postgresql\\.acid\\.zalan\\.do$`),
    persistentvolumeclaim: new RegExp(`^pgdata-${c}-\\d+$`),
    cronjob: new RegExp(`^logical-backup-${c}$`),
  };
}

/**
 * A matcher for one cluster's objects. `podNames` are the pods that carry the
 * cluster's label (so a pod is matched by label, whatever its name).
 */
export function clusterObjectMatcher(cluster: string, podNames: Iterable<string> = []): (o: ObjectRef | undefined) => boolean {
  const byKind = patterns(cluster);
  const pods = new Set(podNames);
  return (o) => {
    if (!o?.name) return false;
    const kind = (o.kind ?? '').toLowerCase();
    if (kind === 'pod' && pods.has(o.name)) return true;
    return byKind[kind]?.test(o.name) ?? false;
  };
}
