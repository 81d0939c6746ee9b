// The Postgres container's requests and limits as Zalando computes them:
// manifest values, else the configured defaults; limits raised to the
// configured minimum; the memory request set to the limit if configured; then
// requests capped at the configured maximum. The order reproduces upstream's
// e2e expectation (test_resource_generation).
import type { OperatorConfig } from '../config/keys.ts';
import { isUnsetQuantity, parseQuantity } from '../model/quantity.ts';
import type { ResourceList, Resources } from '../model/types.ts';

export interface ResourceResult {
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** what was raised, for the ResourceLimits warning event */
  warnings: string[];
}

export function postgresResources(spec: Resources | undefined, config: OperatorConfig, ignoreLimits: boolean): ResourceResult {
  const warnings: string[] = [];
  const requests = pick(spec?.requests, { cpu: config.default_cpu_request, memory: config.default_memory_request });
  const limits = pick(spec?.limits, { cpu: config.default_cpu_limit, memory: config.default_memory_limit });
  if (!ignoreLimits) {
    for (const [res, min] of [['cpu', config.min_cpu_limit], ['memory', config.min_memory_limit]] as const) {
      const have = limits[res];
      if (min && have !== undefined && (parseQuantity(have) ?? 0) < (parseQuantity(min) ?? 0)) {
        warnings.push(`defined ${res} limit ${have} is below required minimum ${min} and will be increased`);
        limits[res] = min;
      }
    }
  }
  if (config.set_memory_request_to_limit && limits.memory && (parseQuantity(limits.memory) ?? 0) > (parseQuantity(requests.memory) ?? 0)) {
    requests.memory = limits.memory;
  }
  if (!ignoreLimits) {
    for (const [res, max] of [['cpu', config.max_cpu_request], ['memory', config.max_memory_request]] as const) {
      const have = requests[res];
      if (max && have !== undefined && (parseQuantity(have) ?? 0) > (parseQuantity(max) ?? 0)) requests[res] = max;
    }
  }
  for (const res of Object.keys(requests)) {
    const req = requests[res]!;
    const lim = limits[res];
    if (lim !== undefined && (parseQuantity(lim) ?? 0) < (parseQuantity(req) ?? 0)) limits[res] = req;
  }
  const resources: ResourceResult['resources'] = {};
  if (Object.keys(requests).length > 0) resources.requests = requests;
  if (Object.keys(limits).length > 0) resources.limits = limits;
  return { resources, warnings };
}

/** Resources for sidecars and jobs: taken as given, defaults filling the gaps */
export function plainResources(spec: Resources | undefined, defaults: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string }) {
  const requests = pick(spec?.requests, { cpu: defaults.cpuRequest, memory: defaults.memoryRequest });
  const limits = pick(spec?.limits, { cpu: defaults.cpuLimit, memory: defaults.memoryLimit });
  const out: ResourceResult['resources'] = {};
  if (Object.keys(requests).length > 0) out.requests = requests;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out;
}

function pick(list: ResourceList | undefined, defaults: { cpu: string; memory: string }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const res of ['cpu', 'memory'] as const) {
    const v = list?.[res];
    if (!isUnsetQuantity(v)) out[res] = String(v);
    else if (defaults[res]) out[res] = defaults[res];
  }
  for (const res of ['hugepages-2Mi', 'hugepages-1Gi'] as const) {
    const v = list?.[res];
    if (!isUnsetQuantity(v)) out[res] = String(v);
  }
  return out;
}
