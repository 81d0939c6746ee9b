// Everything the operator wants to exist for one postgresql manifest under one
// configuration: pure, deterministic, in Zalando's creation order. Used by the
// daemon's reconcile and by `zpg render`.
import type { OperatorConfig } from '../config/keys.ts';
import { normalize } from '../model/normalize.ts';
import type { Postgresql } from '../model/types.ts';
import { logicalBackupCronJob } from './logical-backup.ts';
import type { ClusterContext } from './meta.ts';
import { criticalOpPdb, primaryPdb } from './pdb.ts';
import { poolerObjects } from './pooler.ts';
import { loginUsers, secret } from './secrets.ts';
import { podRoleBinding, podServiceAccount } from './service-account.ts';
import { masterEndpoints, service } from './services.ts';
import type { PodEnvironmentSources } from './spilo-env.ts';
import { statefulSet } from './statefulset.ts';

export interface KubeObj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface BuildInputs extends PodEnvironmentSources {
  /** keys of logical_backup_cronjob_environment_secret */
  backupSecretKeys?: string[];
}

export interface BuiltCluster {
  context: ClusterContext;
  objects: KubeObj[];
  /** reported as Warning events (e.g. raised resource limits) */
  warnings: string[];
  /** the manifest cannot be built as it stands (e.g. sidecars while disabled) */
  errors: string[];
}

export function clusterContext(pg: Postgresql, config: OperatorConfig, defaultNamespace = 'default'): ClusterContext {
  const n = normalize(pg);
  return { pg: n, config, name: n.metadata.name ?? '', namespace: n.metadata.namespace ?? defaultNamespace };
}

export function buildCluster(pg: Postgresql, config: OperatorConfig, inputs: BuildInputs = {}, defaultNamespace = 'default'): BuiltCluster {
  const c = clusterContext(pg, config, defaultNamespace);
  const objects: Record<string, unknown>[] = [];
  if (!config.kubernetes_use_configmaps && config.etcd_host === '') objects.push(masterEndpoints(c));
  objects.push(service(c, 'master'), service(c, 'replica'));
  for (const user of loginUsers(c)) objects.push(secret(c, user));
  objects.push(primaryPdb(c), criticalOpPdb(c));
  const sts = statefulSet(c, inputs);
  objects.push(sts.object);
  if (c.pg.spec.enableLogicalBackup && (c.pg.spec.numberOfInstances ?? 0) > 0) objects.push(logicalBackupCronJob(c, inputs.backupSecretKeys));
  objects.push(...poolerObjects(c));
  return { context: c, objects: objects as KubeObj[], warnings: sts.warnings, errors: sts.errors };
}

/** Per-namespace objects every cluster's pods need */
export function namespaceObjects(config: OperatorConfig, namespace: string): KubeObj[] {
  return [podServiceAccount(config, namespace), podRoleBinding(config, namespace)] as KubeObj[];
}
