// A Spilo container's environment, resolved as a kubelet resolves it (values,
// Secret and field references) and read as Spilo's configure step reads it,
// into the options of one Patroni member. Env only the image uses is ignored.
import type { Registry } from '../api/registry.ts';
import type { KubeObject } from '../api/types.ts';
import type { StartMemberOptions } from '../patroni/member.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } };
}

export function spiloContainer(pod: KubeObject): Obj | undefined {
  const containers = (rec(pod.spec).containers as Obj[] | undefined) ?? [];
  return containers.find((c) => ((c.env as EnvVar[] | undefined) ?? []).some((e) => e.name === 'SCOPE'));
}

/** The container's environment with references resolved; a missing Secret key is an error, as on a node. */
export function resolveEnv(registry: Registry, pod: KubeObject, container: Obj, podIP: string): Record<string, string> {
  const ns = pod.metadata.namespace;
  const secrets = registry.catalog.get('v1', 'secrets')!;
  const configmaps = registry.catalog.get('v1', 'configmaps')!;
  const out: Record<string, string> = {};
  for (const e of (container.env as EnvVar[] | undefined) ?? []) {
    if (e.value !== undefined) out[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => out[n] ?? m);
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const data = rec(registry.find(secrets, ns, name)?.data);
      if (typeof data[key] !== 'string') throw new Error(`secret "${name}" has no key "${key}" (env ${e.name})`);
      out[e.name] = Buffer.from(data[key] as string, 'base64').toString('utf8');
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name, key } = e.valueFrom.configMapKeyRef;
      out[e.name] = String(rec(registry.find(configmaps, ns, name)?.data)[key] ?? '');
    } else if (e.valueFrom?.fieldRef) {
      const path = e.valueFrom.fieldRef.fieldPath;
      out[e.name] = path === 'metadata.name' ? pod.metadata.name! : path === 'metadata.namespace' ? ns ?? '' : path === 'status.podIP' ? podIP : '';
    }
  }
  return out;
}

function json(text: string | undefined): Obj {
  if (!text) return {};
  try {
    return rec(JSON.parse(text));
  } catch {
    return {};
  }
}

/** Spilo env → member options (the subset Debian's Patroni 3.0.2 and PostgreSQL 15 can honour). */
export function memberOptions(pod: KubeObject, env: Record<string, string>, ip: string): Omit<StartMemberOptions, 'dir' | 'kubeconfig'> {
  const spilo = json(env.SPILO_CONFIGURATION);
  const dcs = rec(rec(spilo.bootstrap).dcs);
  const params = rec(rec(spilo.postgresql).parameters);
  const dcsParams = rec(rec(dcs.postgresql).parameters);
  const labels = json(env.KUBERNETES_LABELS) as Record<string, string>;
  return {
    scope: env.SCOPE,
    name: pod.metadata.name!,
    namespace: env.POD_NAMESPACE || pod.metadata.namespace,
    ip,
    superuser: { username: env.PGUSER_SUPERUSER || 'postgres', password: env.PGPASSWORD_SUPERUSER || 'postgres' },
    replication: { username: env.PGUSER_STANDBY || 'standby', password: env.PGPASSWORD_STANDBY || 'standby' },
    useEndpoints: env.KUBERNETES_USE_CONFIGMAPS !== 'true',
    labels: Object.keys(labels).length ? labels : { application: 'spilo' },
    scopeLabel: env.KUBERNETES_SCOPE_LABEL || 'cluster-name',
    roleLabel: env.KUBERNETES_ROLE_LABEL || 'spilo-role',
    dcs: {
      ...(typeof dcs.ttl === 'number' ? { ttl: dcs.ttl } : {}),
      ...(typeof dcs.loop_wait === 'number' ? { loopWait: dcs.loop_wait } : {}),
      ...(typeof dcs.retry_timeout === 'number' ? { retryTimeout: dcs.retry_timeout } : {}),
    },
    parameters: withoutImageOnly({ ...(dcsParams as Record<string, string>), ...(params as Record<string, string>) }),
  };
}

/** Libraries only the Spilo image ships (bg_mon, pgextwlist, ...) would stop Debian's PostgreSQL from starting. */
function withoutImageOnly(params: Record<string, string>): Record<string, string> {
  const { shared_preload_libraries: _libs, ...rest } = params;
  return rest;
}
