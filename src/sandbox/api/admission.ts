// What the real server's registry strategies do to built-in objects: the
// defaults users see in `kubectl get -o yaml`, values carried over on
// update, and the validation errors (names, labels, immutable fields) that a
// user of zpg can run into. Custom objects go through schema.ts instead.
import type { FieldError, KubeObject } from './types.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function defaultObject(kind: string, obj: KubeObject, ctx: { allocateClusterIP(): string }): KubeObject {
  const o = structuredClone(obj) as KubeObject & { spec?: Obj; status?: Obj; data?: Obj; stringData?: Obj; type?: string };
  switch (kind) {
    case 'Secret':
      o.type ??= 'Opaque';
      if (o.stringData) {
        o.data = { ...(o.data ?? {}) };
        for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
        delete o.stringData;
      }
      break;
    case 'Service': {
      const spec = (o.spec ??= {});
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName') {
        if (spec.clusterIP === undefined || spec.clusterIP === '') spec.clusterIP = ctx.allocateClusterIP();
        spec.clusterIPs ??= [spec.clusterIP];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
        spec.internalTrafficPolicy ??= 'Cluster';
      }
      if (Array.isArray(spec.ports)) spec.ports = spec.ports.map((p: Obj) => ({ protocol: 'TCP', targetPort: p.port, ...p }));
      break;
    }
    case 'Namespace':
      o.spec = { finalizers: ['kubernetes'], ...(o.spec ?? {}) };
      o.status = { phase: 'Active', ...(o.status ?? {}) };
      break;
    case 'Pod':
      o.status = { phase: 'Pending', ...(o.status ?? {}) };
      if (o.spec) o.spec = defaultPodSpec(o.spec);
      break;
    case 'PersistentVolumeClaim':
      o.spec = { volumeMode: 'Filesystem', ...(o.spec ?? {}) };
      o.status = { phase: 'Pending', ...(o.status ?? {}) };
      break;
    case 'StatefulSet': {
      const spec = (o.spec ??= {});
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      spec.revisionHistoryLimit ??= 10;
      spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
      if (isObj(spec.template) && isObj(spec.template.spec)) spec.template = { ...spec.template, spec: defaultPodSpec(spec.template.spec) };
      break;
    }
    case 'Deployment': {
      const spec = (o.spec ??= {});
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      if (isObj(spec.template) && isObj(spec.template.spec)) spec.template = { ...spec.template, spec: defaultPodSpec(spec.template.spec) };
      break;
    }
    case 'CronJob': {
      const spec = (o.spec ??= {});
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      break;
    }
  }
  return o;
}

function defaultPodSpec(spec: Obj): Obj {
  return {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    securityContext: {},
    ...spec,
    ...(Array.isArray(spec.containers)
      ? {
          containers: spec.containers.map((c: Obj) => ({
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
            imagePullPolicy: /:latest$|^[^:]+$/.test(String(c.image ?? '')) ? 'Always' : 'IfNotPresent',
            ...c,
          })),
        }
      : {}),
  };
}

// ---- validation ---------------------------------------------------------------------------------

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Kinds whose names must be DNS-1123 labels (63 characters, no dots), not subdomains. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

function nameErrors(kind: string, name: string): FieldError[] {
  if (LABEL_NAMED.has(kind)) {
    if (LABEL.test(name) && name.length <= 63) return [];
    return [{
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    }];
  }
  if (SUBDOMAIN.test(name) && name.length <= 253) return [];
  return [{
    reason: 'FieldValueInvalid',
    field: 'metadata.name',
    message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  }];
}

/** apimachinery's IsQualifiedName: an optional DNS subdomain prefix, a slash, and a name of at most 63 characters. */
function qualifiedNameErrors(field: string, key: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const [prefix, name] = slash < 0 ? ['', key] : [key.slice(0, slash), key.slice(slash + 1)];
  const bad = (message: string): FieldError => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${key}": ${message}` });
  const errors: FieldError[] = [];
  if (slash >= 0 && !prefix) errors.push(bad('prefix part must be non-empty'));
  else if (prefix && prefix.length > 253) errors.push(bad('prefix part must be no more than 253 characters'));
  else if (prefix && !SUBDOMAIN.test(prefix)) errors.push(bad(`prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`));
  if (!name) errors.push(bad('name part must be non-empty'));
  else if (name.length > 63) errors.push(bad('name part must be no more than 63 characters'));
  if (name && !QUALIFIED_NAME.test(name)) errors.push(bad(`name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`));
  return errors;
}

function labelErrors(labels: Record<string, string> | undefined): FieldError[] {
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errors.push(...qualifiedNameErrors('metadata.labels', k));
    const bad = (message: string) => errors.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: "${String(v)}": ${message}` });
    if (typeof v === 'string' && v.length > 63) bad('must be no more than 63 characters');
    if (typeof v !== 'string' || !LABEL_VALUE.test(v)) {
      bad(`a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
    }
  }
  return errors;
}

/** The real server's limit on all annotations of an object together: keys and values, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

function annotationErrors(annotations: Record<string, string> | undefined): FieldError[] {
  const errors: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // case does not matter in annotation keys: the server checks the lower-cased key
    errors.push(...qualifiedNameErrors('metadata.annotations', k.toLowerCase()).map((e) => ({ ...e, message: e.message.replace(`"${k.toLowerCase()}"`, `"${k}"`) })));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errors.push({ reason: 'FieldValueTooLong', field: 'metadata.annotations', message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes` });
  }
  return errors;
}

/** ObjectMeta rules every kind shares, custom resources included: label and annotation keys and values, annotation size. */
export function metaErrors(meta: KubeObject['metadata']): FieldError[] {
  return [...labelErrors(meta.labels), ...annotationErrors(meta.annotations)];
}

export function validateCreate(kind: string, obj: KubeObject): FieldError[] {
  return [...nameErrors(kind, obj.metadata.name ?? ''), ...metaErrors(obj.metadata), ...podSpecErrors(kind, obj)];
}

/** Where a kind keeps its pod spec, as field paths name it. */
const POD_SPEC_AT: Record<string, string[]> = { Pod: ['spec'], StatefulSet: ['spec', 'template', 'spec'], Deployment: ['spec', 'template', 'spec'], Job: ['spec', 'template', 'spec'] };

/** Two containers (init containers included) of one pod with one name: the real server refuses the object. */
function podSpecErrors(kind: string, obj: KubeObject): FieldError[] {
  const path = POD_SPEC_AT[kind];
  if (!path) return [];
  let spec: unknown = obj;
  for (const k of path) spec = isObj(spec) ? spec[k] : undefined;
  if (!isObj(spec)) return [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const list of ['initContainers', 'containers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      const name = isObj(c) && typeof c.name === 'string' ? c.name : undefined;
      if (name === undefined) return;
      if (seen.has(name)) errors.push({ reason: 'FieldValueDuplicate', field: `${path.join('.')}.${list}[${i}].name`, message: `Duplicate value: "${name}"` });
      seen.add(name);
    });
  }
  return errors;
}

const STS_MUTABLE = new Set(['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds']);

export function validateUpdate(kind: string, next: KubeObject, old: KubeObject): FieldError[] {
  const errors = metaErrors(next.metadata);
  const ns = (next.spec ?? {}) as Obj;
  const os = (old.spec ?? {}) as Obj;
  if (kind === 'StatefulSet') {
    const changed = [...new Set([...Object.keys(ns), ...Object.keys(os)])].filter((k) => !STS_MUTABLE.has(k) && JSON.stringify(ns[k]) !== JSON.stringify(os[k]));
    if (changed.length) {
      errors.push({ reason: 'FieldValueForbidden', field: 'spec', message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden" });
    }
  }
  if (kind === 'Service' && os.clusterIP && ns.clusterIP !== os.clusterIP) {
    errors.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: []string{"${String(ns.clusterIP)}"}: may not change once set` });
  }
  if ((kind === 'ConfigMap' || kind === 'Secret') && (old as Obj).immutable === true) {
    for (const field of ['data', 'binaryData']) {
      if (JSON.stringify((next as Obj)[field]) !== JSON.stringify((old as Obj)[field])) {
        errors.push({ reason: 'FieldValueForbidden', field, message: 'Forbidden: field is immutable when `immutable` is set' });
      }
    }
  }
  errors.push(...podSpecErrors(kind, next));
  if (kind === 'Secret' && (next as Obj).type !== (old as Obj).type) {
    errors.push({ reason: 'FieldValueInvalid', field: 'type', message: `Invalid value: "${String((next as Obj).type)}": field is immutable` });
  }
  return errors;
}

/** Values the server keeps when an update leaves them out (a Service's allocated clusterIP). */
export function carryOverOnUpdate(kind: string, next: KubeObject, old: KubeObject): KubeObject {
  const ns = next.spec as Obj | undefined;
  const os = old.spec as Obj | undefined;
  if (kind === 'Service' && ns && os) {
    for (const k of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) if (ns[k] === undefined || ns[k] === '') ns[k] = os[k];
  }
  if (kind === 'PersistentVolumeClaim' && ns && os && ns.volumeName === undefined) ns.volumeName = os.volumeName;
  return next;
}
