// The cluster's StatefulSet (zalando-operator.md §2.3): OnDelete, because the
// operator rolls pods itself, master last, after a switchover.
import type { ClusterContext } from './meta.ts';
import { downscalerAnnotations, inheritedAnnotations, meta, objectLabels, selectorLabels } from './meta.ts';
import { annotationTrue, podTemplate, type PodTemplateResult } from './pod-template.ts';
import type { PodEnvironmentSources } from './spilo-env.ts';

type Obj = Record<string, unknown>;

/** numberOfInstances clamped by min_instances / max_instances, as Zalando clamps it */
export function desiredReplicas(c: ClusterContext): number {
  const { config, pg } = c;
  let n = pg.spec.numberOfInstances ?? 0;
  if (annotationTrue(c, config.ignore_instance_limits_annotation_key)) return n;
  if (pg.spec.standby && n === 1) return n;
  if (config.max_instances >= 0 && n > config.max_instances) n = config.max_instances;
  if (config.min_instances >= 0 && n < config.min_instances) n = config.min_instances;
  return n;
}

export function statefulSet(c: ClusterContext, sources: PodEnvironmentSources): { object: Obj } & Omit<PodTemplateResult, 'template'> {
  const { config, pg } = c;
  const labels = objectLabels(c);
  const pod = podTemplate(c, sources);
  const volume = pg.spec.volume ?? {};
  const claimSpec: Obj = {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage: volume.size } },
    volumeMode: 'Filesystem',
  };
  if (volume.storageClass) claimSpec.storageClassName = volume.storageClass;
  if (volume.selector) claimSpec.selector = volume.selector;
  const claimMeta: Obj = { name: 'pgdata', labels };
  const inherited = inheritedAnnotations(c);
  if (Object.keys(inherited).length > 0) claimMeta.annotations = inherited;
  const retention = config.persistent_volume_claim_retention_policy;
  const object: Obj = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(c, c.name, labels, { ...inherited, ...downscalerAnnotations(c) }),
    spec: {
      replicas: desiredReplicas(c),
      selector: { matchLabels: selectorLabels(c) },
      serviceName: c.name,
      template: pod.template,
      volumeClaimTemplates: [{ metadata: claimMeta, spec: claimSpec }],
      updateStrategy: { type: 'OnDelete' },
      podManagementPolicy: config.pod_management_policy === 'parallel' ? 'Parallel' : 'OrderedReady',
      persistentVolumeClaimRetentionPolicy: {
        whenDeleted: retention.when_deleted === 'delete' ? 'Delete' : 'Retain',
        whenScaled: retention.when_scaled === 'delete' ? 'Delete' : 'Retain',
      },
    },
  };
  return { object, warnings: pod.warnings, errors: pod.errors };
}
