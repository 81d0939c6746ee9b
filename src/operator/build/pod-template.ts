// The Spilo pod template (zalando-operator.md §2.3): the postgres container,
// sidecars, init containers, volumes, scheduling and security context.
import type { AdditionalVolume, EnvVar, Sidecar, StrMap } from '../model/types.ts';
import { PGDATA_MOUNT } from '../model/validate.ts';
import { fieldRef, inheritedAnnotations, objectLabels, secretName, secretRef, type ClusterContext } from './meta.ts';
import { plainResources, postgresResources } from './resources.ts';
import { dedupe, spiloEnv, type PodEnvironmentSources } from './spilo-env.ts';

type Obj = Record<string, unknown>;
export const SPILO_CONTAINER = 'postgres';

export interface PodTemplateResult {
  template: Obj;
  warnings: string[];
  errors: string[];
}

export function podTemplate(c: ClusterContext, sources: PodEnvironmentSources): PodTemplateResult {
  const { config, pg } = c;
  const spec = pg.spec;
  const warnings: string[] = [];
  const errors: string[] = [];
  const ignoreLimits = annotationTrue(c, config.ignore_resources_limits_annotation_key);
  const res = postgresResources(spec.resources, config, ignoreLimits);
  warnings.push(...res.warnings);

  const shm = spec.enableShmVolume === true || config.enable_shm_volume;
  const volumes: Obj[] = [];
  const allMounts: Obj[] = [];
  const postgresMounts: Obj[] = [pgdataMount(c)];
  if (shm) {
    volumes.push({ name: 'dshm', emptyDir: { medium: 'Memory' } });
    postgresMounts.push({ name: 'dshm', mountPath: '/dev/shm' });
  }
  if (config.share_pgsocket_with_sidecars) {
    volumes.push({ name: 'postgresql-run', emptyDir: { medium: 'Memory' } });
    allMounts.push({ name: 'postgresql-run', mountPath: '/var/run/postgresql' });
  }
  if (config.additional_secret_mount) {
    volumes.push({ name: config.additional_secret_mount, secret: { secretName: config.additional_secret_mount } });
    allMounts.push({ name: config.additional_secret_mount, mountPath: config.additional_secret_mount_path });
  }
  const tls = spec.tls;
  if (tls?.secretName) {
    // named after the Secrets, as Zalando names them: a cluster it made does not roll on adoption
    volumes.push({ name: tls.secretName, secret: { secretName: tls.secretName, defaultMode: 0o640 } });
    postgresMounts.push({ name: tls.secretName, mountPath: '/tls' });
    if (tls.caFile && tls.caSecretName) {
      if (tls.caSecretName !== tls.secretName) volumes.push({ name: tls.caSecretName, secret: { secretName: tls.caSecretName, defaultMode: 0o640 } });
      postgresMounts.push({ name: tls.caSecretName, mountPath: '/tlsca' });
    }
  }

  const sidecars = sidecarList(c, errors);
  const extra = additionalVolumes(spec.additionalVolumes ?? []);
  for (const v of extra) volumes.push({ name: v.name, ...v.volumeSource });
  const mountsFor = (container: string, base: Obj[]) => [
    ...base,
    ...allMounts,
    ...extra.filter((v) => targets(v, container)).map((v) => volumeMount(v)),
  ];

  const postgres: Obj = {
    name: SPILO_CONTAINER,
    image: spec.dockerImage || config.docker_image,
    imagePullPolicy: 'IfNotPresent',
    ports: [8008, 5432, 8080].map((containerPort) => ({ containerPort, protocol: 'TCP' })),
    volumeMounts: mountsFor(SPILO_CONTAINER, postgresMounts),
    env: spiloEnv(c, sources),
    resources: res.resources,
    securityContext: {
      allowPrivilegeEscalation: config.spilo_allow_privilege_escalation,
      privileged: config.spilo_privileged,
      readOnlyRootFilesystem: false,
      ...(config.additional_pod_capabilities.length > 0 ? { capabilities: { add: config.additional_pod_capabilities } } : {}),
    },
  };
  if (spec.envFrom && spec.envFrom.length > 0) postgres.envFrom = spec.envFrom;
  if (config.enable_readiness_probe) {
    postgres.readinessProbe = {
      httpGet: { path: '/readiness', port: 8008, scheme: 'HTTP' },
      initialDelaySeconds: 6,
      periodSeconds: 10,
      timeoutSeconds: 5,
      successThreshold: 1,
      failureThreshold: 3,
    };
  }
  const liveness = spec.livenessProbe ?? (config.liveness_probe as Obj | undefined);
  if (liveness) postgres.livenessProbe = liveness;

  const containers = [
    postgres,
    ...sidecars.map((s) => sidecarContainer(c, s, mountsFor(s.name!, [pgdataMount(c)]))),
  ];
  const podSpec: Obj = {
    serviceAccountName: config.pod_service_account_name,
    terminationGracePeriodSeconds: Math.round(config.pod_terminate_grace_period / 1000),
    containers,
  };
  const initContainers = spec.initContainers ?? [];
  if (initContainers.length > 0) {
    if (!config.enable_init_containers) errors.push('initContainers are set but enable_init_containers is false; remove them or enable them');
    else podSpec.initContainers = initContainers;
  }
  const securityContext = podSecurityContext(c);
  if (Object.keys(securityContext).length > 0) podSpec.securityContext = securityContext;
  if (spec.schedulerName) podSpec.schedulerName = spec.schedulerName;
  const priority = spec.podPriorityClassName || config.pod_priority_class_name;
  if (priority) podSpec.priorityClassName = priority;
  const tolerations = spec.tolerations ?? configToleration(config.toleration);
  if (tolerations.length > 0) podSpec.tolerations = tolerations;
  const affinity = podAffinity(c);
  if (affinity) podSpec.affinity = affinity;
  if (spec.topologySpreadConstraints && spec.topologySpreadConstraints.length > 0) podSpec.topologySpreadConstraints = spec.topologySpreadConstraints;
  if (volumes.length > 0) podSpec.volumes = volumes;

  const annotations: StrMap = { ...config.custom_pod_annotations, ...(spec.podAnnotations ?? {}), ...inheritedAnnotations(c) };
  if (config.kube_iam_role) annotations['iam.amazonaws.com/role'] = config.kube_iam_role;
  const metadata: Obj = { labels: objectLabels(c) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { template: { metadata, spec: podSpec }, warnings, errors };
}

export const annotationTrue = (c: ClusterContext, key: string): boolean => key !== '' && c.pg.metadata.annotations?.[key] === 'true';

function pgdataMount(c: ClusterContext): Obj {
  const v = c.pg.spec.volume;
  const m: Obj = { name: 'pgdata', mountPath: PGDATA_MOUNT };
  if (v?.subPath) m[v.isSubPathExpr ? 'subPathExpr' : 'subPath'] = v.subPath;
  return m;
}

function additionalVolumes(list: AdditionalVolume[]): AdditionalVolume[] {
  const seen = new Set<string>([PGDATA_MOUNT]);
  return list.filter((v) => {
    if (!v?.name || !v.mountPath || !v.volumeSource || seen.has(v.mountPath)) return false;
    seen.add(v.mountPath);
    return true;
  });
}

const targets = (v: AdditionalVolume, container: string): boolean => {
  const t = v.targetContainers ?? [];
  return t.length === 0 ? container === SPILO_CONTAINER : t.includes('all') || t.includes(container);
};

function volumeMount(v: AdditionalVolume): Obj {
  const m: Obj = { name: v.name, mountPath: v.mountPath };
  if (v.subPath) m[v.isSubPathExpr ? 'subPathExpr' : 'subPath'] = v.subPath;
  return m;
}

/** manifest sidecars, then configured ones, then the deprecated name:image map (sorted) */
function sidecarList(c: ClusterContext, errors: string[]): Sidecar[] {
  const { config, pg } = c;
  const own = pg.spec.sidecars ?? [];
  if (own.length > 0 && !config.enable_sidecars) errors.push('sidecars are set but enable_sidecars is false; remove them or enable them');
  const configured = Array.isArray(config.sidecars) ? (config.sidecars as Sidecar[]) : [];
  const legacy = Object.keys(config.sidecar_docker_images).sort().map((name) => ({ name, image: config.sidecar_docker_images[name] }));
  const out: Sidecar[] = [];
  const names = new Set<string>();
  for (const s of [...(config.enable_sidecars ? own : []), ...configured, ...legacy]) {
    if (!s?.name || !s.image || names.has(s.name)) continue;
    names.add(s.name);
    out.push(s);
  }
  return out;
}

function sidecarContainer(c: ClusterContext, s: Sidecar, volumeMounts: Obj[]): Obj {
  const { config } = c;
  const base: EnvVar[] = [
    fieldRef('POD_NAME', 'metadata.name'),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    { name: 'POSTGRES_USER', value: config.super_username },
    secretRef('POSTGRES_PASSWORD', secretName(config, config.super_username, c.name), 'password'),
  ];
  const out: Obj = {
    name: s.name,
    image: s.image,
    imagePullPolicy: 'IfNotPresent',
    env: dedupe(base, s.env ?? []),
    resources: plainResources(s.resources, {
      cpuRequest: config.default_cpu_request,
      memoryRequest: config.default_memory_request,
      cpuLimit: config.default_cpu_limit,
      memoryLimit: config.default_memory_limit,
    }),
    volumeMounts,
  };
  if (s.ports) out.ports = s.ports;
  if (s.command) out.command = s.command;
  if (s.args) out.args = s.args;
  return out;
}

function podSecurityContext(c: ClusterContext): Obj {
  const { spec } = c.pg;
  const pick = (own: number | undefined, conf: number) => own ?? (conf >= 0 ? conf : undefined);
  const out: Obj = {};
  const user = pick(spec.spiloRunAsUser, c.config.spilo_runasuser);
  const group = pick(spec.spiloRunAsGroup, c.config.spilo_runasgroup);
  const fs = pick(spec.spiloFSGroup, c.config.spilo_fsgroup);
  if (user !== undefined) out.runAsUser = user;
  if (group !== undefined) out.runAsGroup = group;
  if (fs !== undefined) out.fsGroup = fs;
  return out;
}

function configToleration(t: StrMap): Obj[] {
  return Object.keys(t).length > 0 ? [{ ...t }] : [];
}

function podAffinity(c: ClusterContext): Obj | undefined {
  const { config, pg } = c;
  const affinity: Obj = {};
  const nodeAffinity = mergeReadinessLabel(pg.spec.nodeAffinity, config.node_readiness_label, config.node_readiness_label_merge);
  if (nodeAffinity) affinity.nodeAffinity = nodeAffinity;
  if (config.enable_pod_antiaffinity) {
    const term = { labelSelector: { matchLabels: objectLabels(c) }, topologyKey: config.pod_antiaffinity_topology_key };
    affinity.podAntiAffinity = config.pod_antiaffinity_preferred_during_scheduling
      ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }] }
      : { requiredDuringSchedulingIgnoredDuringExecution: [term] };
  }
  return Object.keys(affinity).length > 0 ? affinity : undefined;
}

/** node_readiness_label as a required node selector term, OR-ed as an extra term or AND-ed into each */
function mergeReadinessLabel(own: Obj | undefined, labels: StrMap, merge: string): Obj | undefined {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return own;
  const expressions = keys.map((key) => ({ key, operator: 'In', values: [labels[key]] }));
  const required = own?.requiredDuringSchedulingIgnoredDuringExecution as { nodeSelectorTerms?: Obj[] } | undefined;
  const terms = required?.nodeSelectorTerms ?? [];
  const merged =
    terms.length === 0
      ? [{ matchExpressions: expressions }]
      : merge === 'AND'
        ? terms.map((t) => ({ ...t, matchExpressions: [...((t.matchExpressions as Obj[]) ?? []), ...expressions] }))
        : [...terms, { matchExpressions: expressions }];
  return { ...(own ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: merged } };
}
