// Desired vs live, per kind, the way Zalando decides (zalando-operator.md
// §3.5, §3.6): nothing to do, a patch, a replace (for fields the API server
// will not change in place) or, for the StatefulSet, a rolling update of pods.
import type { KubeObj } from '../build/cluster.ts';
import { contains, sameMap, sameSet } from './match.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface Difference {
  /** a merge patch that brings the live object to the desired state, if one can */
  patch?: Obj;
  /** the object must be deleted and created again */
  replace?: boolean;
  /** pods must be recreated to pick the change up */
  rollingUpdate?: boolean;
  reasons: string[];
}

/** labels, annotations (minus ignored ones) and owner references */
export function metadataPatch(desired: KubeObj, actual: KubeObj, ignoredAnnotations: readonly string[] = []): { patch?: Obj; reasons: string[] } {
  const reasons: string[] = [];
  const patch: Obj = {};
  const want = desired.metadata;
  const have = actual.metadata;
  if (!contains(have.labels, want.labels ?? {})) {
    patch.labels = want.labels;
    reasons.push('labels differ');
  }
  const wantAnn = Object.fromEntries(Object.entries(want.annotations ?? {}).filter(([k]) => !ignoredAnnotations.includes(k)));
  if (!contains(have.annotations, wantAnn)) {
    patch.annotations = wantAnn;
    reasons.push('annotations differ');
  }
  const ownerUids = (o: unknown) => ((o as { uid?: string }[] | undefined) ?? []).map((r) => r.uid ?? '');
  if (!sameSet(ownerUids(want.ownerReferences), ownerUids(have.ownerReferences))) {
    patch.ownerReferences = want.ownerReferences ?? [];
    reasons.push('owner references differ');
  }
  return Object.keys(patch).length > 0 ? { patch: { metadata: patch }, reasons } : { reasons };
}

/**
 * A pod spec as far as it decides a rolling update: SPILO_CONFIGURATION
 * without bootstrap.dcs (Patroni applies that part itself, Zalando compares
 * without it) and, in lazy upgrade mode, no image.
 */
export function rollingView(podSpec: unknown, lazyImage = false): unknown {
  const spec = rec(podSpec);
  const containers = spec.containers as Obj[] | undefined;
  if (!containers) return podSpec;
  return {
    ...spec,
    containers: containers.map((c) => {
      const { image, ...rest } = c;
      const env = Array.isArray(c.env) ? (c.env as Obj[]).map((e) => (e.name === 'SPILO_CONFIGURATION' && typeof e.value === 'string' ? { ...e, value: withoutBootstrapDcs(e.value) } : e)) : c.env;
      return { ...rest, ...(lazyImage ? {} : { image }), ...(env === undefined ? {} : { env }) };
    }),
  };
}

function withoutBootstrapDcs(text: string): string {
  try {
    const conf = JSON.parse(text) as Obj;
    const bootstrap = rec(conf.bootstrap);
    if (!('dcs' in bootstrap)) return text;
    const { dcs: _dcs, ...restBootstrap } = bootstrap;
    return JSON.stringify({ ...conf, bootstrap: restBootstrap });
  } catch {
    return text;
  }
}

export function compareStatefulSet(desired: KubeObj, actual: KubeObj, ignoredAnnotations: readonly string[], opts: { lazyImage?: boolean } = {}): Difference {
  const want = rec(desired.spec);
  const have = rec(actual.spec);
  const reasons: string[] = [];
  // Fields the API server refuses to change: only a replace (orphaning the pods) applies them.
  const immutable: [string, boolean][] = [
    ['selector', sameMap(rec(rec(want.selector).matchLabels) as Record<string, string>, rec(rec(have.selector).matchLabels) as Record<string, string>)],
    ['serviceName', want.serviceName === have.serviceName],
    ['podManagementPolicy', want.podManagementPolicy === have.podManagementPolicy],
    ['volumeClaimTemplates', volumeClaimsMatch(want.volumeClaimTemplates, have.volumeClaimTemplates)],
  ];
  const replaceFor = immutable.filter(([, same]) => !same).map(([f]) => `${f} differs`);
  const rollDiffers = !contains(rollingView(rec(have.template).spec, opts.lazyImage), rollingView(rec(want.template).spec, opts.lazyImage));
  if (replaceFor.length > 0) return { replace: true, rollingUpdate: rollDiffers, reasons: replaceFor };

  const specPatch: Obj = {};
  if (want.replicas !== have.replicas) {
    specPatch.replicas = want.replicas;
    reasons.push(`replicas ${String(have.replicas)} → ${String(want.replicas)}`);
  }
  const wantTpl = rec(want.template);
  const haveTpl = rec(have.template);
  const podSpecDiffers = !contains(haveTpl.spec, wantTpl.spec);
  const podLabelsDiffer = !contains(rec(haveTpl.metadata).labels, rec(wantTpl.metadata).labels);
  const podAnnotationsDiffer = !contains(rec(haveTpl.metadata).annotations, rec(wantTpl.metadata).annotations ?? {});
  if (podSpecDiffers || podLabelsDiffer || podAnnotationsDiffer) {
    specPatch.template = wantTpl;
    if (podSpecDiffers) reasons.push(`pod template differs (${templateDiffHint(rec(wantTpl.spec), rec(haveTpl.spec))})`);
    if (podLabelsDiffer) reasons.push('pod labels differ');
    if (podAnnotationsDiffer) reasons.push('pod annotations differ');
  }
  for (const field of ['updateStrategy', 'persistentVolumeClaimRetentionPolicy']) {
    if (!contains(have[field], want[field])) {
      specPatch[field] = want[field];
      reasons.push(`${field} differs`);
    }
  }
  const meta = metadataPatch(desired, actual, ignoredAnnotations);
  reasons.push(...meta.reasons);
  const patch: Obj = { ...(meta.patch ?? {}) };
  if (Object.keys(specPatch).length > 0) patch.spec = specPatch;
  return {
    patch: Object.keys(patch).length > 0 ? patch : undefined,
    rollingUpdate: rollDiffers || podLabelsDiffer,
    reasons,
  };
}

function volumeClaimsMatch(want: unknown, have: unknown): boolean {
  const w = (want as Obj[] | undefined) ?? [];
  const h = (have as Obj[] | undefined) ?? [];
  if (w.length !== h.length) return false;
  return w.every((claim, i) => {
    const hc = h[i]!;
    return rec(claim.metadata).name === rec(hc.metadata).name && contains(hc.spec, claim.spec);
  });
}

/** which part of the pod template moved, for the log line and the event */
function templateDiffHint(want: Obj, have: Obj): string {
  const wc = (want.containers as Obj[] | undefined) ?? [];
  const hc = (have.containers as Obj[] | undefined) ?? [];
  if (wc.length !== hc.length) return 'containers added or removed';
  for (let i = 0; i < wc.length; i++) {
    for (const field of ['image', 'env', 'resources', 'ports', 'volumeMounts', 'securityContext', 'readinessProbe', 'livenessProbe']) {
      if (!contains(hc[i]![field], wc[i]![field], field === 'resources')) return `container ${String(wc[i]!.name)}: ${field}`;
    }
  }
  const moved = Object.keys(want).filter((k) => k !== 'containers' && !contains(have[k], want[k]));
  return moved.length > 0 ? moved.join(', ') : 'containers';
}

export function compareService(desired: KubeObj, actual: KubeObj, ignoredAnnotations: readonly string[]): Difference {
  const want = rec(desired.spec);
  const have = rec(actual.spec);
  const reasons: string[] = [];
  const spec: Obj = {};
  if (want.type !== have.type) {
    spec.type = want.type;
    reasons.push(`type ${String(have.type)} → ${String(want.type)}`);
  }
  if (!contains(have.ports, want.ports)) {
    spec.ports = want.ports;
    reasons.push('ports differ');
  }
  if (!sameMap(want.selector as Record<string, string> | undefined, have.selector as Record<string, string> | undefined)) {
    spec.selector = want.selector ?? null;
    reasons.push('selector differs');
  }
  if (!sameSet(want.loadBalancerSourceRanges as string[] | undefined, have.loadBalancerSourceRanges as string[] | undefined)) {
    spec.loadBalancerSourceRanges = want.loadBalancerSourceRanges ?? null;
    reasons.push('load balancer source ranges differ');
  }
  const policy = want.externalTrafficPolicy;
  if (policy !== undefined ? policy !== have.externalTrafficPolicy : have.type === 'LoadBalancer' && want.type !== 'LoadBalancer') {
    spec.externalTrafficPolicy = policy ?? null;
    reasons.push('external traffic policy differs');
  }
  const meta = metadataPatch(desired, actual, ignoredAnnotations);
  reasons.push(...meta.reasons);
  const patch: Obj = { ...(meta.patch ?? {}) };
  if (Object.keys(spec).length > 0) patch.spec = spec;
  return { patch: Object.keys(patch).length > 0 ? patch : undefined, reasons };
}

/** PDBs and CronJobs: the whole spec we write, patched in place */
export function compareSpec(desired: KubeObj, actual: KubeObj, ignoredAnnotations: readonly string[], nullFor: string[] = []): Difference {
  const reasons: string[] = [];
  const patch: Obj = {};
  if (!contains(actual.spec, desired.spec) || nullFor.some((f) => rec(desired.spec)[f] === undefined && rec(actual.spec)[f] !== undefined)) {
    const spec: Obj = { ...rec(desired.spec) };
    for (const f of nullFor) if (spec[f] === undefined) spec[f] = null;
    patch.spec = spec;
    reasons.push('spec differs');
  }
  const meta = metadataPatch(desired, actual, ignoredAnnotations);
  reasons.push(...meta.reasons);
  Object.assign(patch, meta.patch ?? {});
  return { patch: Object.keys(patch).length > 0 ? patch : undefined, reasons };
}

/** Secrets and Endpoints: contents belong to someone else (the password, Patroni); only metadata is ours */
export function compareMetadataOnly(desired: KubeObj, actual: KubeObj, ignoredAnnotations: readonly string[]): Difference {
  const meta = metadataPatch(desired, actual, ignoredAnnotations);
  return { patch: meta.patch, reasons: meta.reasons };
}
