// The per-namespace ServiceAccount and RoleBinding Spilo pods run as; Patroni
// needs them to reach its Kubernetes DCS. Overridable by JSON/YAML definitions
// in the configuration, as in Zalando.
import { parse } from 'yaml';
import type { OperatorConfig } from '../config/keys.ts';

type Obj = Record<string, unknown>;

export function podServiceAccount(config: OperatorConfig, namespace: string): Obj {
  const own = definition(config.pod_service_account_definition);
  const sa: Obj = own ?? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: config.pod_service_account_name } };
  sa.metadata = { ...(sa.metadata as Obj), name: config.pod_service_account_name, namespace };
  if (config.irsa_role_arn) {
    const m = sa.metadata as Obj;
    m.annotations = { ...((m.annotations as Obj) ?? {}), 'eks.amazonaws.com/role-arn': config.irsa_role_arn };
  }
  return sa;
}

export function podRoleBinding(config: OperatorConfig, namespace: string): Obj {
  const own = definition(config.pod_service_account_role_binding_definition);
  const rb: Obj = own ?? {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: config.pod_service_account_name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: config.pod_service_account_name },
    subjects: [{ kind: 'ServiceAccount', name: config.pod_service_account_name }],
  };
  rb.metadata = { ...(rb.metadata as Obj), namespace };
  return rb;
}

function definition(text: string): Obj | undefined {
  if (!text.trim()) return undefined;
  const v = parse(text) as unknown;
  return v && typeof v === 'object' ? { ...(v as Obj) } : undefined;
}
