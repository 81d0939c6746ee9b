// What the pods of a manifest need to be accepted by a real API server:
// container names, images, tolerations, scheduler and priority class names,
// annotation keys; and resources whose requests exceed their limits.
import type { OperatorConfig } from '../config/keys.ts';
import { parseQuantity } from './quantity.ts';
import type { PostgresqlSpec, Resources, StrMap } from './types.ts';
import { containerNameProblem, qualifiedKeyProblem, subdomainProblem } from './validate-names.ts';

type Report = (field: string, message: string) => void;
type Container = { name?: unknown; image?: unknown };

/** The Spilo container's name in every pod the operator builds */
const POSTGRES_CONTAINER = 'postgres';
const TOLERATION_OPERATORS = ['Exists', 'Equal'];
const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validatePod(spec: PostgresqlSpec, config: OperatorConfig, err: Report, warn: Report): void {
  const names = new Map<string, string>([[POSTGRES_CONTAINER, 'the database container']]);
  const containers = (list: Container[] | undefined, what: string, needsImage: boolean) =>
    (list ?? []).forEach((c, i) => {
      const field = `spec.${what}[${i}]`;
      if (!c) return;
      if (typeof c.name !== 'string' || c.name === '') return err(`${field}.name`, 'is required; name the container');
      const problem = containerNameProblem(c.name);
      if (problem) err(`${field}.name`, problem);
      const taken = names.get(c.name);
      if (taken) err(`${field}.name`, `"${c.name}" is already the name of ${taken}; container names in a pod must differ, rename it`);
      else names.set(c.name, `${field}`);
      if (needsImage && (typeof c.image !== 'string' || c.image === '')) err(`${field}.image`, 'is required; set the container image');
    });
  containers(spec.sidecars, 'sidecars', true);
  containers(spec.initContainers as Container[] | undefined, 'initContainers', true);

  (spec.tolerations ?? []).forEach((t, i) => {
    if (!t) return;
    const field = `spec.tolerations[${i}]`;
    if (t.operator !== undefined && !TOLERATION_OPERATORS.includes(t.operator as string)) {
      err(`${field}.operator`, `"${String(t.operator)}" is not a toleration operator; use Exists or Equal`);
    }
    if (t.operator === 'Exists' && t.value) err(`${field}.value`, 'must be empty when operator is Exists; remove it or use Equal');
    if (t.effect !== undefined && t.effect !== '' && !TOLERATION_EFFECTS.includes(t.effect as string)) {
      err(`${field}.effect`, `"${String(t.effect)}" is not a taint effect; use ${TOLERATION_EFFECTS.join(', ')}, or leave it empty for all`);
    }
  });

  if (spec.schedulerName) {
    const p = subdomainProblem(spec.schedulerName, 'scheduler name');
    if (p) err('spec.schedulerName', p);
  }
  const priority = spec.podPriorityClassName ?? spec.pod_priority_class_name;
  if (priority) {
    const p = subdomainProblem(priority, 'priority class name');
    if (p) err(spec.podPriorityClassName ? 'spec.podPriorityClassName' : 'spec.pod_priority_class_name', p);
  }
  for (const field of ['podAnnotations', 'serviceAnnotations', 'masterServiceAnnotations', 'replicaServiceAnnotations'] as const) {
    annotationKeys(spec[field], `spec.${field}`, err);
  }
  resourceOrder(spec.resources, 'spec.resources', warn);
  void config;
}

function annotationKeys(map: StrMap | undefined, field: string, err: Report): void {
  for (const key of Object.keys(map ?? {})) {
    const p = qualifiedKeyProblem(key);
    if (p) err(field, p);
  }
}

/** A request above its limit: Zalando raises the limit to the request; say so. */
function resourceOrder(r: Resources | undefined, field: string, warn: Report): void {
  for (const res of ['cpu', 'memory'] as const) {
    const req = r?.requests?.[res];
    const lim = r?.limits?.[res];
    if (!req || !lim) continue;
    const a = parseQuantity(req);
    const b = parseQuantity(lim);
    if (a !== undefined && b !== undefined && b > 0 && a > b) {
      warn(`${field}.requests.${res}`, `"${req}" is above the limit "${lim}"; the limit is raised to ${req}; set limits.${res} at least as high`);
    }
  }
}
