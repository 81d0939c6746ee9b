// The minimal writes that bring one cluster's live objects to the desired
// ones. Pure: it reads a view of the informer caches and returns actions, so
// a cluster that matches yields none (the idempotence the daemon relies on).
import type { BuiltCluster, KubeObj } from '../build/cluster.ts';
import { logicalBackupJobName, ownerReferences, replicaServiceName, ROLLING_UPDATE_ANNOTATION, selectorLabels } from '../build/meta.ts';
import { compareMetadataOnly, compareService, compareSpec, compareStatefulSet, rollingView, type Difference } from './compare.ts';
import { contains } from './match.ts';
import { poolerCleanup } from './pooler-plan.ts';

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
  let rollReason = '';
  let liveSts: KubeObj | undefined;
  for (const want of [...extra, ...built.objects]) {
    const ns = want.metadata.namespace ?? built.context.namespace;
    const have = live.get(want.kind, ns, want.metadata.name);
    if (!have) {
      actions.push({ op: 'create', object: want, reason: `${ref(want)} is missing` });
      continue;
    }
    const diff = difference(want, have, ignored, config.enable_lazy_spilo_upgrade);
    if (!diff) continue;
    const reason = `${ref(want)}: ${diff.reasons.join(', ')}`;
    if (diff.replace) actions.push({ op: 'replace', object: want, reason });
    else if (diff.patch) actions.push({ op: 'patch', object: want, patch: diff.patch, reason });
    if (diff.rollingUpdate) {
      rollingUpdate = true;
      rollReason = reason;
      liveSts = have;
    }
  }

  actions.push(...patroniOwners(built, live));
  actions.push(...poolerCleanup(built, live));

  const backupJob = logicalBackupJobName(config, built.context.name);
  const job = live.get('CronJob', built.context.namespace, backupJob);
  if (job && !built.objects.some((o) => o.kind === 'CronJob') && job.metadata.labels?.[config.cluster_name_label] === built.context.name) {
    actions.push({ op: 'delete', object: job, reason: `${ref(job)}: logical backups are disabled` });
  }

  const sts = built.objects.find((o) => o.kind === 'StatefulSet');
  if (sts) {
    for (const pod of live.pods(built.context.namespace, selectorLabels(built.context))) {
      if (pod.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true' || pod.metadata.deletionTimestamp) continue;
      // Zalando marks every pod whenever the StatefulSet's change needs a rolling update
      const moved = liveSts && templateMoved(sts, liveSts, pod, config.enable_lazy_spilo_upgrade);
      const stale = staleContainer(sts, pod, config.enable_lazy_spilo_upgrade) ?? (moved ? `${rollReason} (${moved})` : undefined);
      if (stale) actions.push({ op: 'mark-rolling-update', object: pod, reason: `pod ${pod.metadata.name}: ${stale}` });
    }
  }
  return { actions, rollingUpdate };
}

const templateOf = (o: KubeObj) => ((o.spec as Record<string, unknown>).template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };

/**
 * The StatefulSet's change needs a rolling update (Zalando then marks every
 * pod): which of the moved pod-template fields this pod does not run yet. A
 * pod that never ran a hand-edited template is not marked for its revert.
 */
function templateMoved(want: KubeObj, have: KubeObj, pod: KubeObj, lazyImage: boolean): string | undefined {
  const w = rollingView(templateOf(want).spec, lazyImage) as Record<string, unknown>;
  const h = rollingView(templateOf(have).spec, lazyImage) as Record<string, unknown>;
  const p = rollingView(pod.spec, lazyImage) as Record<string, unknown>;
  const fields: string[] = [];
  for (const k of Object.keys(w)) {
    if (contains(h[k], w[k])) continue;
    if (k !== 'containers' && k !== 'initContainers') {
      if (!contains(p[k], w[k])) fields.push(k);
      continue;
    }
    // per container field: only what moved in the StatefulSet is asked of the pod
    const [wc, hc, pc] = [w[k], h[k], p[k]].map((v) => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []));
    if (wc!.length !== hc!.length || wc!.length !== pc!.length) {
      if (!contains(pc, wc)) fields.push(k);
      continue;
    }
    wc!.forEach((c, i) => {
      for (const f of Object.keys(c)) if (!contains(hc![i]![f], c[f], f === 'resources') && !contains(pc![i]![f], c[f], f === 'resources')) fields.push(`${k}[${i}].${f}`);
    });
  }
  if (!contains(templateOf(have).metadata?.labels, templateOf(want).metadata?.labels) && !contains(pod.metadata.labels, templateOf(want).metadata?.labels)) fields.push('labels');
  return fields.length > 0 ? fields.join(', ') : undefined;
}

/**
 * With enable_owner_references the objects Patroni (and the endpoints
 * controller) create for the cluster get the cluster as owner too, as Zalando
 * does, so deleting the manifest takes them along.
 */
function patroniOwners(built: BuiltCluster, live: LiveView): Action[] {
  const c = built.context;
  if (!c.config.enable_owner_references) return [];
  const owners = ownerReferences(c) ?? [];
  const theirs: [string, string][] = [
    ['Service', `${c.name}-config`],
    ['Endpoints', `${c.name}-config`],
    ['Endpoints', replicaServiceName(c.name)],
  ];
  if (!c.config.kubernetes_use_configmaps) theirs.push(['Endpoints', `${c.name}-failover`], ['Endpoints', `${c.name}-sync`]);
  const out: Action[] = [];
  for (const [kind, name] of theirs) {
    const have = live.get(kind, c.namespace, name);
    if (!have) continue;
    const uids = ((have.metadata.ownerReferences as { uid?: string }[] | undefined) ?? []).map((r) => r.uid);
    if (owners.every((o) => uids.includes(o.uid as string))) continue;
    out.push({ op: 'patch', object: have, patch: { metadata: { ownerReferences: owners } }, reason: `${kind}/${name}: owner references differ` });
  }
  return out;
}

function difference(want: KubeObj, have: KubeObj, ignored: readonly string[], lazyImage: boolean): Difference | undefined {
  let d: Difference;
  switch (want.kind) {
    case 'StatefulSet':
      d = compareStatefulSet(want, have, ignored, { lazyImage });
      break;
    case 'Service':
      d = compareService(want, have, ignored);
      break;
    case 'PodDisruptionBudget':
      d = compareSpec(want, have, ignored, ['minAvailable', 'maxUnavailable']);
      break;
    case 'CronJob':
    case 'Deployment':
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

/** the env as far as it decides a rolling update (SPILO_CONFIGURATION without bootstrap.dcs) */
const envOf = (c: Container) => (rollingView({ containers: [c] }) as { containers: Container[] }).containers[0]!.env;

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
    if (!contains(envOf(h), envOf(w))) return `container ${w.name}: env differs`;
    if (!contains(h.resources, w.resources, true)) return `container ${w.name}: resources differ`;
  }
  return undefined;
}

/**
 * The plan's writes as stages whose writes may go out together: the cluster's own objects first (Services,
 * Endpoints, Secrets, PDBs, the backup job: none reads another as it is written), then the StatefulSet (its pods
 * want the Secrets and the service account in place), then the rest one at a time in the plan's order
 * (deletes, pod marks, and any object named twice). Written one by one, a new cluster paid ten round trips.
 */
export function writeStages(actions: Action[]): Action[][] {
  const key = (a: Action) => `${a.object.kind}/${a.object.metadata.namespace ?? ''}/${a.object.metadata.name}`;
  const seen = new Map<string, number>();
  for (const a of actions) seen.set(key(a), (seen.get(key(a)) ?? 0) + 1);
  const together = (a: Action) => a.op !== 'delete' && a.op !== 'mark-rolling-update' && a.object.kind !== 'Pod' && seen.get(key(a)) === 1;
  const first = actions.filter((a) => together(a) && a.object.kind !== 'StatefulSet');
  const sets = actions.filter((a) => together(a) && a.object.kind === 'StatefulSet');
  const rest = actions.filter((a) => !together(a));
  return [first, sets, ...rest.map((a) => [a])].filter((s) => s.length > 0);
}
