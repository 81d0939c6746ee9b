// The resource catalogue: built-in kinds plus whatever CRDs declare. Discovery,
// routing and validation all read from here, so a CRD created through the API
// appears everywhere at once, and disappears the same way.
import type { KubeObject, PrinterColumn, ResourceType, SchemaProps } from './types.ts';

interface BuiltinSpec {
  gv: string;
  kind: string;
  plural: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  fieldSelectors?: string[];
  subresources?: string[];
}

const POD_FIELDS = [
  'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork',
  'status.phase', 'status.podIP', 'status.nominatedNodeName',
];
const EVENT_FIELDS = [
  'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid',
  'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath',
  'reason', 'reportingComponent', 'source', 'type',
];

const BUILTINS: BuiltinSpec[] = [
  { gv: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'], status: true, fieldSelectors: ['status.phase'], subresources: ['finalize'] },
  { gv: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'], status: true, fieldSelectors: ['spec.unschedulable'] },
  { gv: 'v1', kind: 'Pod', plural: 'pods', shortNames: ['po'], categories: ['all'], status: true, fieldSelectors: POD_FIELDS, subresources: ['log', 'exec', 'portforward', 'attach', 'binding', 'eviction'] },
  { gv: 'v1', kind: 'Service', plural: 'services', shortNames: ['svc'], categories: ['all'], status: true },
  { gv: 'v1', kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] },
  { gv: 'v1', kind: 'Secret', plural: 'secrets', fieldSelectors: ['type'] },
  { gv: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] },
  { gv: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', shortNames: ['pvc'], status: true },
  { gv: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', shortNames: ['sa'] },
  { gv: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'], fieldSelectors: EVENT_FIELDS },
  { gv: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', shortNames: ['sts'], categories: ['all'], status: true, generation: true, subresources: ['scale'] },
  { gv: 'apps/v1', kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'], categories: ['all'], status: true, generation: true, subresources: ['scale'] },
  { gv: 'batch/v1', kind: 'Job', plural: 'jobs', categories: ['all'], status: true, generation: true, fieldSelectors: ['status.successful'] },
  { gv: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', shortNames: ['cj'], categories: ['all'], status: true, generation: true },
  { gv: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', shortNames: ['pdb'], status: true, generation: true },
  { gv: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'Role', plural: 'roles' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', plural: 'rolebindings' },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  { gv: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false },
  { gv: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], status: true, generation: true },
];

function splitGv(gv: string): { group: string; version: string } {
  const i = gv.indexOf('/');
  return i < 0 ? { group: '', version: gv } : { group: gv.slice(0, i), version: gv.slice(i + 1) };
}

function builtin(spec: BuiltinSpec): ResourceType {
  const { group, version } = splitGv(spec.gv);
  return {
    group,
    version,
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    statusSubresource: spec.status ?? false,
    tracksGeneration: spec.generation ?? false,
    custom: false,
    fieldSelectors: spec.fieldSelectors ?? [],
    subresources: spec.subresources ?? [],
  };
}

export const apiVersionOf = (rt: ResourceType) => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

/** Storage key of a resource: versions of one group/plural share their objects. */
export const storageKey = (rt: ResourceType) => `${rt.group}/${rt.plural}`;

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: SchemaProps };
  subresources?: { status?: object; scale?: object };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

interface CrdSpec {
  group: string;
  scope: 'Namespaced' | 'Cluster';
  names: { plural: string; singular?: string; kind: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions: CrdVersion[];
}

/** The resource types one CRD serves, one per served version. */
export function resourcesFromCrd(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  return spec.versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      group: spec.group,
      version: v.name,
      kind: spec.names.kind,
      listKind: spec.names.listKind ?? `${spec.names.kind}List`,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      shortNames: spec.names.shortNames ?? [],
      categories: spec.names.categories ?? [],
      statusSubresource: v.subresources?.status !== undefined,
      tracksGeneration: true,
      custom: true,
      fieldSelectors: (v.selectableFields ?? []).map((f) => f.jsonPath.replace(/^\./, '')),
      schema: v.schema?.openAPIV3Schema,
      printerColumns: v.additionalPrinterColumns ?? [],
      subresources: v.subresources?.scale ? ['scale'] : [],
    }));
}

export class ResourceCatalog {
  private readonly byGv = new Map<string, Map<string, ResourceType>>();
  private readonly listeners = new Set<() => void>();

  constructor() {
    for (const spec of BUILTINS) this.add(builtin(spec));
  }

  private add(rt: ResourceType): void {
    const gv = apiVersionOf(rt);
    let m = this.byGv.get(gv);
    if (!m) this.byGv.set(gv, (m = new Map()));
    m.set(rt.plural, rt);
  }

  /** Replaces whatever a CRD of this group/plural served before. */
  registerCrd(crd: KubeObject): ResourceType[] {
    const spec = crd.spec as CrdSpec;
    this.removeGroupPlural(spec.group, spec.names.plural);
    const rts = resourcesFromCrd(crd);
    for (const rt of rts) this.add(rt);
    this.changed();
    return rts;
  }

  unregisterCrd(crd: KubeObject): void {
    const spec = crd.spec as CrdSpec;
    this.removeGroupPlural(spec.group, spec.names.plural);
    this.changed();
  }

  private removeGroupPlural(group: string, plural: string): void {
    for (const [gv, m] of this.byGv) {
      const rt = m.get(plural);
      if (rt && rt.group === group && rt.custom) {
        m.delete(plural);
        if (m.size === 0) this.byGv.delete(gv);
      }
    }
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(apiVersion: string, plural: string): ResourceType | undefined {
    return this.byGv.get(apiVersion)?.get(plural);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const rt of this.byGv.get(apiVersion)?.values() ?? []) if (rt.kind === kind) return rt;
    return undefined;
  }

  groupVersions(): string[] {
    return [...this.byGv.keys()];
  }

  resources(apiVersion: string): ResourceType[] {
    return [...(this.byGv.get(apiVersion)?.values() ?? [])];
  }

  all(): ResourceType[] {
    return [...this.byGv.values()].flatMap((m) => [...m.values()]);
  }
}
