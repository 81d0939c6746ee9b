// A pooler switched off: its Deployment, Service and `-u` Secret go, and the
// pooler user's Secret when no pooler is left (Zalando deletes them too; the
// pooler schema in the databases stays). Only objects that carry this
// cluster's pooler labels are touched. Pure.
import type { BuiltCluster } from '../build/cluster.ts';
import { POOLER_APPLICATION, poolerLeftovers } from '../build/pooler.ts';
import type { Action, LiveView } from './plan.ts';

export function poolerCleanup(built: BuiltCluster, live: LiveView): Action[] {
  const c = built.context;
  const out: Action[] = [];
  for (const { kind, name } of poolerLeftovers(c)) {
    const have = live.get(kind, c.namespace, name);
    const labels = have?.metadata.labels ?? {};
    if (!have || labels[c.config.cluster_name_label] !== c.name || labels.application !== POOLER_APPLICATION) continue;
    out.push({ op: 'delete', object: have, reason: `${kind}/${name}: the connection pooler is disabled` });
  }
  return out;
}
