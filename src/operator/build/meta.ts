// Names, labels, annotations and owner references of everything the operator
// creates for a cluster: the one place these facts live (zalando-operator.md §2.1).
import type { OperatorConfig } from '../config/keys.ts';
import type { EnvVar, Postgresql, StrMap } from '../model/types.ts';

export const ROLLING_UPDATE_ANNOTATION = 'zalando-postgres-operator-rolling-update-required';
export const CRITICAL_OPERATION_LABEL = 'critical-operation';
export const FINALIZER = 'postgres-operator.acid.zalan.do';
export const CONTROLLER_ANNOTATION = 'acid.zalan.do/controller';

export type Role = 'master' | 'replica';

export interface ClusterContext {
  pg: Postgresql;
  config: OperatorConfig;
  name: string;
  namespace: string;
}

export const replicaServiceName = (cluster: string) => `${cluster}-repl`;
export const serviceName = (cluster: string, role: Role) => (role === 'master' ? cluster : replicaServiceName(cluster));

export function secretName(config: OperatorConfig, username: string, cluster: string): string {
  return config.secret_name_template
    .replaceAll('{username}', username.replaceAll('_', '-'))
    .replaceAll('{cluster}', cluster)
    .replaceAll('{tprkind}', 'postgresql')
    .replaceAll('{tprgroup}', 'acid.zalan.do');
}

export const pdbName = (config: OperatorConfig, cluster: string) => config.pdb_name_format.replaceAll('{cluster}', cluster);
export const criticalOpPdbName = (cluster: string) => `postgres-${cluster}-critical-op-pdb`;

export function logicalBackupJobName(config: OperatorConfig, cluster: string): string {
  return `${config.logical_backup_job_prefix}${cluster}`.slice(0, 52).replace(/-+$/, '');
}

/** labelsSet(false): what selectors use */
export function selectorLabels(c: ClusterContext): StrMap {
  return { ...c.config.cluster_labels, [c.config.cluster_name_label]: c.name };
}

/** labelsSet(true): what objects carry (team + inherited manifest labels) */
export function objectLabels(c: ClusterContext): StrMap {
  const out: StrMap = { ...selectorLabels(c), team: c.pg.spec.teamId ?? '' };
  const own = c.pg.metadata.labels ?? {};
  for (const key of c.config.inherited_labels) if (own[key] !== undefined) out[key] = own[key];
  return out;
}

export const roleLabels = (labels: StrMap, c: ClusterContext, role: Role): StrMap => ({ ...labels, [c.config.pod_role_label]: role });

/** Manifest annotations whose key is in inherited_annotations */
export function inheritedAnnotations(c: ClusterContext): StrMap {
  const out: StrMap = {};
  const own = c.pg.metadata.annotations ?? {};
  for (const key of c.config.inherited_annotations) if (own[key] !== undefined) out[key] = own[key];
  return out;
}

/** Manifest annotations matching a downscaler pattern ("downscaler/*" globs) */
export function downscalerAnnotations(c: ClusterContext): StrMap {
  const out: StrMap = {};
  const patterns = c.config.downscaler_annotations.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`));
  for (const [k, v] of Object.entries(c.pg.metadata.annotations ?? {})) if (patterns.some((p) => p.test(k))) out[k] = v;
  return out;
}

/** enable_owner_references: the cluster owns its objects; otherwise they copy the cluster's own owners */
export function ownerReferences(c: ClusterContext): Record<string, unknown>[] | undefined {
  if (c.config.enable_owner_references) {
    return [{ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', name: c.name, uid: c.pg.metadata.uid ?? '', controller: true }];
  }
  const own = c.pg.metadata.ownerReferences;
  return own && own.length > 0 ? own : undefined;
}

/** metadata block shared by every generated object */
export function meta(c: ClusterContext, name: string, labels: StrMap, annotations: StrMap = {}): Record<string, unknown> {
  const m: Record<string, unknown> = { name, namespace: c.namespace, labels };
  if (Object.keys(annotations).length > 0) m.annotations = annotations;
  const owners = ownerReferences(c);
  if (owners) m.ownerReferences = owners;
  return m;
}

export const fieldRef = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
export const secretRef = (name: string, secret: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
