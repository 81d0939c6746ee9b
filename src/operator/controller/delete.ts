// Cluster deletion (zalando-operator.md §3.15): honour the delete guards, then
// remove what Zalando removes. Volumes go only when the configuration says so
// explicitly (enable_persistent_volume_claim_deletion); Secrets follow
// enable_secrets_deletion. With owner references Kubernetes' GC does the work.
import * as k8s from '@kubernetes/client-node';
import { logicalBackupJobName, pdbName, criticalOpPdbName, replicaServiceName, secretName, selectorLabels } from '../build/meta.ts';
import { loginUsers } from '../build/secrets.ts';
import type { OperatorConfig } from '../config/keys.ts';
import type { Postgresql } from '../model/types.ts';
import type { Logger } from '../../services/log.ts';
import type { ObjectRef } from '../../services/kube/object-writer.ts';
import type { ReconcilerDeps } from './reconciler.ts';
import { errorText, involved } from './reconciler.ts';

const PATRONI_SUFFIXES = ['leader', 'config', 'failover', 'sync'];

/** Why a delete must be ignored, or undefined when it may go ahead */
export function deleteGuard(pg: Postgresql, config: OperatorConfig, today: Date): string | undefined {
  if (config.enable_owner_references) return undefined;
  const ann = pg.metadata.annotations ?? {};
  const date = today.toISOString().slice(0, 10);
  const { delete_annotation_date_key: dateKey, delete_annotation_name_key: nameKey } = config;
  if (dateKey && ann[dateKey] !== date) return `annotation ${dateKey}: "${date}" (today, UTC) was not set before deletion`;
  if (nameKey && ann[nameKey] !== pg.metadata.name) return `annotation ${nameKey}: "${pg.metadata.name}" was not set before deletion`;
  return undefined;
}

export async function deleteCluster(d: ReconcilerDeps, pg: Postgresql, log: Logger): Promise<void> {
  const config = d.config();
  const on = (type: 'Normal' | 'Warning', message: string) => d.events.record(involved(pg), type, 'Delete', message);
  const guard = deleteGuard(pg, config, d.now?.() ?? new Date());
  if (guard) {
    log.warn('deletion ignored: objects are kept', { reason: guard });
    await on('Warning', `Deletion ignored, cluster objects are kept: ${guard}`);
    return;
  }
  if (config.enable_owner_references) {
    log.info('cluster deleted; Kubernetes garbage-collects its objects (owner references)');
    if (config.enable_persistent_volume_claim_deletion) await deleteVolumes(d, pg, config, log);
    return;
  }
  const name = pg.metadata.name!;
  const ns = pg.metadata.namespace!;
  await on('Normal', 'Started deletion of cluster resources');
  const ref = (apiVersion: string, kind: string, n: string, namespace = ns): ObjectRef => ({ apiVersion, kind, metadata: { name: n, namespace } });
  const targets: ObjectRef[] = [
    ref('batch/v1', 'CronJob', logicalBackupJobName(config, name)),
    ref('apps/v1', 'StatefulSet', name),
  ];
  if (config.enable_secrets_deletion) {
    const ctx = { pg, config, name, namespace: ns };
    for (const u of loginUsers(ctx)) targets.push(ref('v1', 'Secret', secretName(config, u.name, name), u.namespace));
  }
  targets.push(
    ref('policy/v1', 'PodDisruptionBudget', pdbName(config, name)),
    ref('policy/v1', 'PodDisruptionBudget', criticalOpPdbName(name)),
    ref('v1', 'Endpoints', name),
    ref('v1', 'Service', name),
    ref('v1', 'Endpoints', replicaServiceName(name)),
    ref('v1', 'Service', replicaServiceName(name)),
    ref('v1', 'Service', `${name}-config`),
  );
  // Patroni's DCS objects: ConfigMaps or Endpoints, whichever mode the cluster ran in.
  for (const suffix of PATRONI_SUFFIXES) {
    targets.push(ref('v1', 'ConfigMap', `${name}-${suffix}`), ref('v1', 'Endpoints', `${name}-${suffix}`));
  }
  const failed: string[] = [];
  for (const t of targets) {
    // Only what the caches saw, plus Patroni's ConfigMaps which they do not hold.
    if (t.kind !== 'ConfigMap' && !d.cache.get(t.kind, t.metadata.namespace!, t.metadata.name)) continue;
    try {
      // Background: the StatefulSet's pods go with it; PVCs stay (their retention is ours to decide below).
      if (await d.writer.delete(t, 'Background')) log.info(`deleted ${t.kind}/${t.metadata.name}`);
    } catch (e) {
      failed.push(`${t.kind} "${t.metadata.name}": ${errorText(e)}`);
    }
  }
  if (config.enable_persistent_volume_claim_deletion) await deleteVolumes(d, pg, config, log, failed);
  if (failed.length > 0) {
    await on('Warning', `could not delete ${failed.join('; ')}`);
    throw new Error(`delete of ${ns}/${name} incomplete: ${failed.join('; ')}`);
  }
  log.info('cluster deleted', { volumesKept: !config.enable_persistent_volume_claim_deletion, secretsKept: !config.enable_secrets_deletion });
}

/** Only with enable_persistent_volume_claim_deletion: the pgdata claims of this cluster */
async function deleteVolumes(d: ReconcilerDeps, pg: Postgresql, config: OperatorConfig, log: Logger, failed: string[] = []): Promise<void> {
  const ns = pg.metadata.namespace!;
  const selector = Object.entries(selectorLabels({ pg, config, name: pg.metadata.name!, namespace: ns })).map(([k, v]) => `${k}=${v}`).join(',');
  const claims = await d.listClaims(ns, selector);
  for (const claim of claims) {
    try {
      if (await d.writer.delete({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: ns } })) log.info(`deleted PersistentVolumeClaim/${claim}`);
    } catch (e) {
      failed.push(`PersistentVolumeClaim "${claim}": ${errorText(e)}`);
    }
  }
}

/** one list at deletion time; claims are not cached */
export function claimLister(kc: k8s.KubeConfig) {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return async (namespace: string, labelSelector: string): Promise<string[]> =>
    (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })).items.map((c) => c.metadata!.name!);
}
