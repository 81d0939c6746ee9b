// The minimal writes that bring one cluster's live objects to the desired
// ones. Pure: it reads a view of the informer caches and returns actions, so
// a cluster that matches yields none (the idempotence the daemon relies on).
import type { BuiltCluster, KubeObj } from '../build/cluster.ts';
import { logicalBackupJobName, ROLLING_UPDATE_ANNOTATION, selectorLabels } from '../build/meta.ts';
import { compareMetadataOnly, compareService, compareSpec, compareStatefulSet, type Difference } from './compare.ts';
import { contains } from './match.ts';

export interface LiveView {
  get(kind: string, namespace: string, name: string): KubeObj | undefined;
  /** pods in a namespace whose labels include all of `selector` */
  pods(namespace: string, selector: Record<string, string>): KubeObj[];
}

export type Action =
  | { op: 'create'; object: KubeObj; reason: string }
  | { op: 'patch'; object: KubeObj; patch: Record<string, unknown>; reason: string }
  | { op: 'replace'; object: KubeObj; reason: string }
  | { op: 'delete'; object: KubeObj; reason: string }
  | { op: 'mark-rolling-update'; object: KubeObj; reason: string };

export interface Plan {
  actions: Action[];
  /** the StatefulSet's pods must be recreated to pick up the desired template */
  rollingUpdate: boolean;
}

const ref = (o: KubeObj) => `${o.kind}/${o.metadata.name}`;

export function planCluster(built: BuiltCluster, live: LiveView, extra: KubeObj[] = []): Plan {
  const { config } = built.context;
  const ignored = config.ignored_annotations;
  const actions: Action[] = [];
  let rollingUpdate = false;
  for (const want of [...extra, ...built.objects]) {
    const ns = want.metadata.namespace ?? built.context.namespace;
    const have = live.get(want.kind, ns, want.metadata.name);
    if (!have) {
      actions.push({ op: 'create', object: want, reason: `${ref(want)} is missing` });
      continue;
    }
    const diff = difference(want, have, ignored);
    if (!diff) continue;
    const reason = `${ref(want)}: ${diff.reasons.join(', ')}`;
    if (diff.replace) actions.push({ op: 'replace', object: want, reason });
    else if (diff.patch) actions.push({ op: 'patch', object: want, patch: diff.patch, reason });
    if (diff.rollingUpdate) rollingUpdate = true;
  }

  const backupJob = logicalBackupJobName(config, built.context.name);
  const job = live.get('CronJob', built.context.namespace, backupJob);
  if (job && !built.objects.some((o) => o.kind === 'CronJob') && job.metadata.labels?.[config.cluster_name_label] === built.context.name) {
    actions.push({ op: 'delete', object: job, reason: `${ref(job)}: logical backups are disabled` });
  }

  const sts = built.objects.find((o) => o.kind === 'StatefulSet');
  if (sts) {
    for (const pod of live.pods(built.context.namespace, selectorLabels(built.context))) {
      if (pod.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true' || pod.metadata.deletionTimestamp) continue;
      const stale = staleContainer(sts, pod, config.enable_lazy_spilo_upgrade);
      if (stale) actions.push({ op: 'mark-rolling-update', object: pod, reason: `pod ${pod.metadata.name}: ${stale}` });
    }
  }
  return { actions, rollingUpdate };
}

function difference(want: KubeObj, have: KubeObj, ignored: readonly string[]): Difference | undefined {
  let d: Difference;
  switch (want.kind) {
    case 'StatefulSet':
      d = compareStatefulSet(want, have, ignored);
      break;
    case 'Service':
      d = compareService(want, have, ignored);
      break;
    case 'PodDisruptionBudget':
      d = compareSpec(want, have, ignored, ['minAvailable', 'maxUnavailable']);
      break;
    case 'CronJob':
      d = compareSpec(want, have, ignored);
      break;
    case 'ServiceAccount':
    case 'RoleBinding':
      // created when missing, never updated (Zalando); other tools may annotate them
      return undefined;
    default:
      d = compareMetadataOnly(want, have, ignored);
  }
  return d.patch || d.replace || d.rollingUpdate ? d : undefined;
}

type Container = { name?: string; image?: string; env?: unknown; resources?: unknown };

/**
 * Why a pod runs an older template, judged only on what the API server never
 * rewrites in a pod (image, env, resources), so injected volumes or defaults
 * never start an endless rolling update.
 */
function staleContainer(sts: KubeObj, pod: KubeObj, lazyImage: boolean): string | undefined {
  const want = ((((sts.spec as Record<string, unknown>).template as Record<string, unknown>).spec as Record<string, unknown>).containers as Container[]) ?? [];
  const have = ((pod.spec as Record<string, unknown> | undefined)?.containers as Container[] | undefined) ?? [];
  for (const w of want) {
    const h = have.find((c) => c.name === w.name);
    if (!h) return `container ${w.name} is missing`;
    if (!lazyImage && w.image !== h.image) return `container ${w.name} runs ${h.image}, want ${w.image}`;
    if (!contains(h.env, w.env)) return `container ${w.name}: env differs`;
    if (!contains(h.resources, w.resources)) return `container ${w.name}: resources differ`;
  }
  return undefined;
}
