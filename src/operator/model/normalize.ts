// Folds the v1.15.1 spellings v2 dropped into the v2 fields, the newer field
// winning when both are set, so every builder reads one shape.
import type { Postgresql, PostgresqlSpec } from './types.ts';

export function normalizeSpec(spec: PostgresqlSpec): PostgresqlSpec {
  const s: PostgresqlSpec = { ...spec };
  if (s.enableMasterLoadBalancer === undefined && s.useLoadBalancer !== undefined) s.enableMasterLoadBalancer = s.useLoadBalancer;
  if (s.enableReplicaLoadBalancer === undefined && s.replicaLoadBalancer !== undefined) s.enableReplicaLoadBalancer = s.replicaLoadBalancer;
  if (s.initContainers === undefined && s.init_containers !== undefined) s.initContainers = s.init_containers;
  if (s.podPriorityClassName === undefined && s.pod_priority_class_name !== undefined) s.podPriorityClassName = s.pod_priority_class_name;
  delete s.useLoadBalancer;
  delete s.replicaLoadBalancer;
  delete s.init_containers;
  delete s.pod_priority_class_name;
  return s;
}

export function normalize(pg: Postgresql): Postgresql {
  return { ...pg, spec: normalizeSpec(pg.spec ?? {}) };
}

/** The status word, whichever shape it was written in (object or bare string) */
export function statusWord(pg: Pick<Postgresql, 'status'>): string {
  const st = pg.status;
  if (typeof st === 'string') return st;
  return st?.PostgresClusterStatus ?? '';
}
