// The two PodDisruptionBudgets: one keeps the master from voluntary eviction,
// the other freezes pods during critical operations (bootstrap, major upgrade).
import { CRITICAL_OPERATION_LABEL, criticalOpPdbName, meta, objectLabels, pdbName, selectorLabels, type ClusterContext } from './meta.ts';
import { desiredReplicas } from './statefulset.ts';

type Obj = Record<string, unknown>;

export function primaryPdb(c: ClusterContext): Obj {
  const { config, pg } = c;
  const enabled = config.enable_pod_disruption_budget && desiredReplicas(c) > 0;
  const selector: Record<string, string> = { ...selectorLabels(c) };
  let minAvailable = enabled ? 1 : 0;
  if (config.pdb_master_label_selector) selector[config.pod_role_label] = 'master';
  else if (enabled && pg.spec.patroni?.synchronous_mode_strict) minAvailable = (pg.spec.patroni.synchronous_node_count ?? 1) + 1;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(c, pdbName(config, c.name), objectLabels(c)),
    spec: { minAvailable, selector: { matchLabels: selector } },
  };
}

export function criticalOpPdb(c: ClusterContext): Obj {
  const enabled = c.config.enable_pod_disruption_budget && desiredReplicas(c) > 0;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(c, criticalOpPdbName(c.name), objectLabels(c)),
    spec: {
      maxUnavailable: enabled ? 0 : '100%',
      selector: { matchLabels: { ...selectorLabels(c), [CRITICAL_OPERATION_LABEL]: 'true' } },
    },
  };
}
