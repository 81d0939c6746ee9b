// Printer columns for built-in kinds, following kube-apiserver's printers so
// `kubectl get` against the sandbox looks as it does against a cluster.
import type { KubeObject } from './types.ts';
import { CREATION_DOC, NAME_COLUMN, humanDuration, isRecord, parseTime, since, type TableColumn } from './table.ts';

type Obj = Record<string, unknown>;

const rec = (v: unknown): Obj => (isRecord(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number => (typeof v === 'number' ? v : 0);
const spec = (o: KubeObject) => rec(o.spec);
const status = (o: KubeObject) => rec(o.status);

function col(name: string, description: string, cell: TableColumn['cell'], extra: Partial<TableColumn> = {}): TableColumn {
  return { name, type: 'string', jsonPath: '', description, cell, ...extra };
}
const wide = (c: TableColumn): TableColumn => ({ ...c, priority: 1 });

const AGE = col('Age', CREATION_DOC, (o, now) => since(o.metadata.creationTimestamp, now), {
  jsonPath: '.metadata.creationTimestamp',
});

/** The default table convertor's column (kinds without printers: Role, ClusterRole, CRDs). */
const CREATED_AT = col(
  'Created At',
  CREATION_DOC,
  (o) => {
    const t = parseTime(o.metadata.creationTimestamp);
    return t === undefined ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  },
  { type: 'date', jsonPath: '.metadata.creationTimestamp' },
);

/** labels.FormatLabels: sorted `k=v` pairs, `<none>` when empty. */
function formatLabels(m: unknown): string {
  const entries = Object.entries(rec(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${text(v)}`).join(',') : '<none>';
}

/** A LabelSelector the way labels.Selector.String() prints it: requirements sorted by key. */
function selectorString(sel: unknown): string {
  const s = rec(sel);
  const reqs: [string, string][] = Object.entries(rec(s.matchLabels)).map(([k, v]) => [k, `${k}=${text(v)}`]);
  for (const e of list(s.matchExpressions).map(rec)) {
    const key = text(e.key);
    const values = list(e.values).map(text).sort().join(',');
    const op = text(e.operator);
    const req = op === 'In' ? `${key} in (${values})` : op === 'NotIn' ? `${key} notin (${values})` : op === 'Exists' ? key : `!${key}`;
    reqs.push([key, req]);
  }
  return reqs
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r)
    .join(',');
}
const formatSelector = (sel: unknown) => selectorString(sel) || '<none>';

function containerCells(podSpec: Obj): { names: string; images: string } {
  const containers = list(podSpec.containers).map(rec);
  return { names: containers.map((c) => text(c.name)).join(','), images: containers.map((c) => text(c.image)).join(',') };
}
const templateSpec = (o: KubeObject) => rec(rec(spec(o).template).spec);
const CONTAINERS = wide(col('Containers', 'Names of each container in the template.', (o) => containerCells(templateSpec(o)).names));
const IMAGES = wide(col('Images', 'Images referenced by each container in the template.', (o) => containerCells(templateSpec(o)).images));

// -------- Pod

interface PodSummary {
  ready: string;
  reason: string;
  restarts: string;
}

const hasCondition = (st: Obj, type: string) =>
  list(st.conditions).map(rec).some((c) => c.type === type && c.status === 'True');

/** Latest lastState.terminated.finishedAt over the statuses, in ms (0: none). */
function lastTermination(statuses: Obj[]): number {
  let last = 0;
  for (const s of statuses) last = Math.max(last, parseTime(rec(rec(s.lastState).terminated).finishedAt) ?? 0);
  return last;
}

/** Why an unfinished init container holds the pod back: `Init:Error`, `Init:ExitCode:1`, `Init:0/2`... */
function initReason(c: Obj, i: number, total: number): string {
  const state = rec(c.state);
  if (isRecord(state.terminated)) {
    const term = state.terminated;
    if (text(term.reason)) return `Init:${text(term.reason)}`;
    return count(term.signal) ? `Init:Signal:${count(term.signal)}` : `Init:ExitCode:${count(term.exitCode)}`;
  }
  const waiting = text(rec(state.waiting).reason);
  return waiting && waiting !== 'PodInitializing' ? `Init:${waiting}` : `Init:${i}/${total}`;
}

/** A regular container's contribution to STATUS, or undefined when it is simply running. */
function containerReason(c: Obj): string | undefined {
  const state = rec(c.state);
  const waiting = text(rec(state.waiting).reason);
  if (waiting) return waiting;
  if (!isRecord(state.terminated)) return undefined;
  const term = state.terminated;
  if (text(term.reason)) return text(term.reason);
  return count(term.signal) ? `Signal:${count(term.signal)}` : `ExitCode:${count(term.exitCode)}`;
}

const restartCount = (c: Obj) => count(c.restartCount);

/** printPod's READY, STATUS and RESTARTS. */
function podSummary(pod: KubeObject, now: Date): PodSummary {
  const sp = spec(pod);
  const st = status(pod);
  const inits = list(sp.initContainers).map(rec);
  const sidecars = new Set(inits.filter((c) => c.restartPolicy === 'Always').map((c) => text(c.name)));
  const total = list(sp.containers).length + sidecars.size;
  let ready = 0;
  let reason = text(st.reason) || text(st.phase);
  if (list(st.conditions).map(rec).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  // Init containers count up to the first one still blocking; sidecars separately, as they keep running.
  let restarts = 0;
  let lastRestart = 0;
  let sidecarRestarts = 0;
  let sidecarLastRestart = 0;
  let initializing = false;
  for (const [i, c] of list(st.initContainerStatuses).map(rec).entries()) {
    const sidecar = sidecars.has(text(c.name));
    restarts += restartCount(c);
    lastRestart = Math.max(lastRestart, lastTermination([c]));
    if (sidecar) {
      sidecarRestarts += restartCount(c);
      sidecarLastRestart = Math.max(sidecarLastRestart, lastTermination([c]));
    }
    const term = rec(c.state).terminated;
    if (isRecord(term) && count(term.exitCode) === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    reason = initReason(c, i, inits.length);
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(st, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let running = false;
    for (const c of list(st.containerStatuses).map(rec).reverse()) {
      restarts += restartCount(c);
      lastRestart = Math.max(lastRestart, lastTermination([c]));
      const why = containerReason(c);
      if (why) reason = why;
      else if (c.ready === true && isRecord(rec(c.state).running)) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) reason = hasCondition(st, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp && st.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && st.phase !== 'Succeeded' && st.phase !== 'Failed') reason = 'Terminating';

  const restartText = restarts !== 0 && lastRestart ? `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartText };
}

function readinessGates(pod: KubeObject): string {
  const gates = list(spec(pod).readinessGates).map(rec);
  if (!gates.length) return '<none>';
  const conditions = list(status(pod).conditions).map(rec);
  const ok = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${ok}/${gates.length}`;
}

const orNone = (s: string) => s || '<none>';

const POD: TableColumn[] = [
  col('Ready', 'The aggregate readiness state of this pod for accepting traffic.', (o, now) => podSummary(o, now).ready),
  col('Status', 'The aggregate status of the containers in this pod.', (o, now) => podSummary(o, now).reason),
  col(
    'Restarts',
    'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    (o, now) => podSummary(o, now).restarts,
  ),
  AGE,
  wide(col('IP', 'podIP address allocated to the pod.', (o) => orNone(text(rec(list(status(o).podIPs)[0]).ip) || text(status(o).podIP)))),
  wide(col('Node', 'NodeName indicates in which node this pod is scheduled.', (o) => orNone(text(spec(o).nodeName)))),
  wide(col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', (o) => orNone(text(status(o).nominatedNodeName)))),
  wide(col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', readinessGates)),
];

// -------- workloads

const STATEFULSET: TableColumn[] = [
  col('Ready', 'Number of the pod with ready state', (o) => `${count(status(o).readyReplicas)}/${replicas(o)}`),
  AGE,
  CONTAINERS,
  IMAGES,
];

/** spec.replicas, which the server defaults to 1. */
const replicas = (o: KubeObject) => (typeof spec(o).replicas === 'number' ? count(spec(o).replicas) : 1);

const DEPLOYMENT: TableColumn[] = [
  col('Ready', 'Number of the pod with ready state', (o) => `${count(status(o).readyReplicas)}/${replicas(o)}`),
  col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', (o) => count(status(o).updatedReplicas)),
  col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', (o) => count(status(o).availableReplicas)),
  AGE,
  CONTAINERS,
  IMAGES,
  wide(col('Selector', 'Label selector for pods.', (o) => selectorString(spec(o).selector))),
];

function jobStatus(o: KubeObject): string {
  const conditions = list(status(o).conditions).map(rec);
  const is = (type: string) => conditions.find((c) => c.type === type)?.status === 'True';
  if (is('Complete')) return 'Complete';
  if (is('Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (is('Suspended')) return 'Suspended';
  if (is('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = count(status(o).succeeded);
  const sp = spec(o);
  if (typeof sp.completions === 'number') return `${succeeded}/${sp.completions}`;
  const parallelism = count(sp.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: Date): string {
  const start = parseTime(status(o).startTime);
  if (start === undefined) return '';
  return humanDuration((parseTime(status(o).completionTime) ?? now.getTime()) - start);
}

const JOB: TableColumn[] = [
  col('Status', 'Status of the job.', jobStatus),
  col('Completions', 'The number of pods which reached phase Succeeded.', jobCompletions),
  col('Duration', 'Time required to complete the job.', jobDuration),
  AGE,
  CONTAINERS,
  IMAGES,
  wide(col('Selector', 'A label query over pods that should match the pod count.', (o) => formatSelector(spec(o).selector))),
];

const jobTemplatePodSpec = (o: KubeObject) => rec(rec(rec(rec(spec(o).jobTemplate).spec).template).spec);

const CRONJOB: TableColumn[] = [
  col('Schedule', 'The schedule in Cron format.', (o) => text(spec(o).schedule)),
  col('Timezone', 'The time zone name for the given schedule.', (o) => text(spec(o).timeZone) || '<none>'),
  col('Suspend', 'This flag tells the controller to suspend subsequent executions.', (o) => spec(o).suspend === true, { type: 'boolean' }),
  col('Active', 'A list of pointers to currently running jobs.', (o) => list(status(o).active).length, { type: 'integer' }),
  col('Last Schedule', 'Information when was the last time the job was successfully scheduled.', (o, now) =>
    status(o).lastScheduleTime ? since(status(o).lastScheduleTime, now) : '<none>',
  ),
  AGE,
  wide(col('Containers', 'Names of each container in the template.', (o) => containerCells(jobTemplatePodSpec(o)).names)),
  wide(col('Images', 'Images referenced by each container in the template.', (o) => containerCells(jobTemplatePodSpec(o)).images)),
  wide(col('Selector', 'A label query over pods that should match the pod count.', (o) => formatSelector(rec(rec(spec(o).jobTemplate).spec).selector))),
];

function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(v) : typeof v === 'string' ? v : 'N/A';
}

const PDB: TableColumn[] = [
  col('Min Available', 'The minimum number of pods that must be available.', (o) => intOrString(spec(o).minAvailable)),
  col('Max Unavailable', 'The maximum number of pods that may be unavailable.', (o) => intOrString(spec(o).maxUnavailable)),
  col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', (o) => count(status(o).disruptionsAllowed), {
    type: 'integer',
  }),
  AGE,
];

// -------- Service, Endpoints

function lbIngress(svc: KubeObject): string[] {
  const ingress = list(rec(status(svc).loadBalancer).ingress).map(rec);
  return [...new Set(ingress.map((i) => text(i.ip) || text(i.hostname)).filter(Boolean))].sort();
}

function externalIP(svc: KubeObject): string {
  const sp = spec(svc);
  const external = list(sp.externalIPs).map(text);
  switch (text(sp.type) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const all = [...lbIngress(svc), ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return text(sp.externalName);
    default:
      return '<unknown>';
  }
}

function ports(svc: KubeObject): string {
  const pieces = list(spec(svc).ports)
    .map(rec)
    .map((p) => {
      const protocol = text(p.protocol) || 'TCP';
      return count(p.nodePort) > 0 ? `${count(p.port)}:${count(p.nodePort)}/${protocol}` : `${count(p.port)}/${protocol}`;
    });
  return pieces.join(',') || '<none>';
}

const SERVICE: TableColumn[] = [
  col('Type', 'type determines how the Service is exposed.', (o) => text(spec(o).type) || 'ClusterIP'),
  col('Cluster-IP', 'clusterIP is the IP address of the service.', (o) => text(list(spec(o).clusterIPs)[0]) || text(spec(o).clusterIP) || '<none>'),
  col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.', externalIP),
  col('Port(s)', 'The list of ports that are exposed by this service.', ports),
  AGE,
  wide(col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', (o) => formatLabels(spec(o).selector))),
];

/** formatEndpoints: up to three `ip:port`, then `+ N more...`; `<none>` without subsets. */
function endpoints(o: KubeObject): string {
  const subsets = list(o.subsets).map(rec);
  if (!subsets.length) return '<none>';
  const shown: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addrs = list(ss.addresses).map((a) => text(rec(a).ip));
    const portList = list(ss.ports).map((p) => count(rec(p).port));
    for (const port of portList.length ? portList : [undefined]) {
      total += addrs.length;
      for (const ip of addrs) {
        if (shown.length === 3) break;
        shown.push(port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
      }
    }
  }
  return total > 3 ? `${shown.join(',')} + ${total - 3} more...` : shown.join(',');
}

const ENDPOINTS: TableColumn[] = [col('Endpoints', 'The set of all endpoints is the union of all subsets.', endpoints), AGE];

// -------- storage and configuration

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

function pvcField(o: KubeObject, field: 'volume' | 'capacity' | 'modes'): string {
  const volume = text(spec(o).volumeName);
  if (field === 'volume') return volume;
  if (!volume) return '';
  if (field === 'capacity') return text(rec(status(o).capacity).storage);
  const modes = list(status(o).accessModes);
  return ACCESS_MODES.filter(([mode]) => modes.includes(mode))
    .map(([, short]) => short)
    .join(',');
}

function storageClass(o: KubeObject): string {
  const beta = o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  return beta ?? text(spec(o).storageClassName);
}

const PVC: TableColumn[] = [
  col('Status', 'phase represents the current phase of PersistentVolumeClaim.', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : text(status(o).phase))),
  col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.', (o) => pvcField(o, 'volume')),
  col('Capacity', 'capacity represents the actual resources of the underlying volume.', (o) => pvcField(o, 'capacity')),
  col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.', (o) => pvcField(o, 'modes')),
  col('StorageClass', 'StorageClass of the pvc', storageClass),
  col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc', (o) => text(spec(o).volumeAttributesClassName) || '<unset>'),
  AGE,
  wide(col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', (o) => text(spec(o).volumeMode) || '<unset>')),
];

const keyCount = (v: unknown) => Object.keys(rec(v)).length;

const CONFIGMAP: TableColumn[] = [
  col('Data', 'Data contains the configuration data.', (o) => keyCount(o.data) + keyCount(o.binaryData)),
  AGE,
];

const SECRET: TableColumn[] = [
  col('Type', 'Used to facilitate programmatic handling of secret data.', (o) => text(o.type)),
  col('Data', 'Data contains the secret data.', (o) => keyCount(o.data)),
  AGE,
];

const SERVICEACCOUNT: TableColumn[] = [
  col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', (o) =>
    list(o.secrets).length,
  ),
  AGE,
];

const NAMESPACE: TableColumn[] = [col('Status', 'The status of the namespace', (o) => text(status(o).phase)), AGE];

function nodeStatus(o: KubeObject): string {
  const ready = list(status(o).conditions).map(rec).find((c) => c.type === 'Ready');
  const word = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  return spec(o).unschedulable === true ? `${word},SchedulingDisabled` : word;
}

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean)
    .sort();
  return roles.join(',') || '<none>';
}

const nodeAddress = (o: KubeObject, type: string) => text(list(status(o).addresses).map(rec).find((a) => a.type === type)?.address) || '<none>';
const nodeInfo = (o: KubeObject, field: string) => text(rec(status(o).nodeInfo)[field]) || '<unknown>';

const NODE: TableColumn[] = [
  col('Status', 'The status of the node', nodeStatus),
  col('Roles', 'The roles of the node', nodeRoles),
  AGE,
  col('Version', 'Kubelet Version reported by the node.', (o) => nodeInfo(o, 'kubeletVersion')),
  wide(col('Internal-IP', 'List of addresses reachable to the node.', (o) => nodeAddress(o, 'InternalIP'))),
  wide(col('External-IP', 'List of addresses reachable to the node.', (o) => nodeAddress(o, 'ExternalIP'))),
  wide(col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', (o) => nodeInfo(o, 'osImage'))),
  wide(col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", (o) => nodeInfo(o, 'kernelVersion'))),
  wide(col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', (o) => nodeInfo(o, 'containerRuntimeVersion'))),
];

// -------- coordination, RBAC, events

const LEASE: TableColumn[] = [col('Holder', 'holderIdentity contains the identity of the holder of a current lease.', (o) => text(spec(o).holderIdentity)), AGE];

function subjects(o: KubeObject, kind: string): string {
  return list(o.subjects)
    .map(rec)
    .filter((s) => s.kind === kind)
    .map((s) => (kind === 'ServiceAccount' ? `${text(s.namespace)}/${text(s.name)}` : text(s.name)))
    .join(', ');
}

const BINDING: TableColumn[] = [
  col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.', (o) =>
    `${text(rec(o.roleRef).kind)}/${text(rec(o.roleRef).name)}`,
  ),
  AGE,
  wide(col('Users', 'Users in the roleBinding', (o) => subjects(o, 'User'))),
  wide(col('Groups', 'Groups in the roleBinding', (o) => subjects(o, 'Group'))),
  wide(col('ServiceAccounts', 'ServiceAccounts in the roleBinding', (o) => subjects(o, 'ServiceAccount'))),
];

function eventTimes(o: KubeObject, now: Date): { first: string; last: string; count: number } {
  const first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
  const series = isRecord(o.series) ? o.series : undefined;
  if (series) return { first, last: since(series.lastObservedTime, now), count: count(series.count) };
  return { first, last: o.lastTimestamp ? since(o.lastTimestamp, now) : first, count: count(o.count) || 1 };
}

function eventObject(o: KubeObject): string {
  const involved = rec(o.involvedObject);
  const kind = text(involved.kind).toLowerCase();
  return text(involved.name) ? `${kind}/${text(involved.name)}` : kind;
}

function eventSource(o: KubeObject): string {
  const component = text(rec(o.source).component) || text(o.reportingComponent);
  const host = text(rec(o.source).host) || text(o.reportingInstance);
  return host ? `${component}, ${host}` : component;
}

// Events are the one kind whose Name is not the first column (wide-only, last).
const EVENT: TableColumn[] = [
  col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.', (o, now) => eventTimes(o, now).last),
  col('Type', 'Type of this event (Normal, Warning), new types could be added in the future', (o) => text(o.type)),
  col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.', (o) => text(o.reason)),
  col('Object', 'The object that this event is about.', eventObject),
  wide(col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', (o) => text(rec(o.involvedObject).fieldPath))),
  wide(col('Source', 'The component reporting this event.', eventSource)),
  col('Message', 'A human-readable description of the status of this operation.', (o) => text(o.message).trim()),
  wide(col('First Seen', 'The time at which the event was first recorded.', (o, now) => eventTimes(o, now).first)),
  wide(col('Count', 'The number of times this event has occurred.', (o, now) => eventTimes(o, now).count)),
  { ...NAME_COLUMN, priority: 1 },
];

const BUILTIN: Record<string, TableColumn[]> = {
  Pod: POD,
  StatefulSet: STATEFULSET,
  Deployment: DEPLOYMENT,
  Job: JOB,
  CronJob: CRONJOB,
  PodDisruptionBudget: PDB,
  Service: SERVICE,
  Endpoints: ENDPOINTS,
  PersistentVolumeClaim: PVC,
  ConfigMap: CONFIGMAP,
  Secret: SECRET,
  ServiceAccount: SERVICEACCOUNT,
  Namespace: NAMESPACE,
  Node: NODE,
  Lease: LEASE,
  RoleBinding: BINDING,
  ClusterRoleBinding: BINDING,
  Event: EVENT,
  // kube-apiserver has no printer for these and serves its default "Created At" table.
  Role: [CREATED_AT],
  ClusterRole: [CREATED_AT],
  CustomResourceDefinition: [CREATED_AT],
};

/** Columns `kubectl get` shows for a built-in kind, after Name; Age for kinds not listed. */
export function builtinColumns(kind: string): TableColumn[] {
  return Object.hasOwn(BUILTIN, kind) ? BUILTIN[kind] : [AGE];
}
