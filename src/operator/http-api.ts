// Zalando's read-only operator API on the daemon's port, for the tools that
// already read it (its UI, scripts, the e2e suite's polling): /status,
// /config, /clusters/NS/NAME and /workers/all/status, in Zalando's JSON
// shapes where zpg has the same facts. Secrets in the configuration are masked.
import type { OperatorConfig } from './config/keys.ts';
import type { Controller } from './controller/controller.ts';
import { lastInfrastructureRoles } from '../services/postgres/role-sources.ts';

export interface ApiDeps {
  config: () => OperatorConfig;
  controller: () => Controller | undefined;
  namespace: string;
  configMapName?: string;
  operatorConfigurationName?: string;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

const MASK = '******';
/** config keys whose values are credentials (names of Secrets are not) */
const SECRET_KEY = /(secret_access_key|access_key_id|account_key|password|api_key|token|credentials)$/;

export function maskedConfig(config: OperatorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) out[k] = SECRET_KEY.test(k) && v !== '' && v !== undefined ? MASK : v;
  return out;
}

/** undefined: not an API path (the daemon answers 404 itself) */
export function operatorApi(path: string, d: ApiDeps): ApiAnswer | undefined {
  const parts = path.split('/').filter(Boolean);
  const c = d.controller();
  if (parts.length === 1 && parts[0] === 'status') {
    // Zalando's ControllerStatus: LastSyncTime (unix seconds), Clusters, WorkerQueueSize per worker
    const workers = Math.max(1, d.config().workers);
    const queue = Object.fromEntries(Array.from({ length: workers }, (_, i) => [String(i), i === 0 ? (c?.queueDepth ?? 0) : 0]));
    return { status: 200, body: { LastSyncTime: c?.lastSyncTime ?? 0, Clusters: c?.clusterCount ?? 0, WorkerQueueSize: queue, Leading: Boolean(c) } };
  }
  if (parts.length === 1 && parts[0] === 'config') {
    const config = d.config();
    return {
      status: 200,
      body: {
        controller: {
          Namespace: d.namespace,
          ConfigMapName: d.configMapName ? `${d.namespace}/${d.configMapName}` : '',
          OperatorConfigurationName: d.operatorConfigurationName ?? '',
          NoDatabaseAccess: !config.enable_database_access,
          NoTeamsAPI: !config.enable_teams_api,
          IgnoredAnnotations: config.ignored_annotations,
          InfrastructureRoles: infrastructureRoles(config),
        },
        operator: maskedConfig(config),
      },
    };
  }
  if (parts[0] === 'workers' && parts[1] === 'all' && parts[2] === 'status' && parts.length === 3) {
    const workers = Math.max(1, d.config().workers);
    const busy = c?.inFlight() ?? [];
    const out: Record<string, unknown> = {};
    for (let i = 0; i < workers; i++) {
      const b = busy[i];
      out[String(i)] = b ? { CurrentCluster: b.key, CurrentProcess: { Name: 'Sync', StartTime: b.since } } : 'idle';
    }
    return { status: 200, body: out };
  }
  if (parts[0] === 'clusters' && parts.length === 3) {
    const [, ns, name] = parts as [string, string, string];
    const found = c?.clusterObjects(ns, name);
    if (!found) return { status: 404, body: { error: `cluster ${ns}/${name} is not known to this operator${c ? '' : ' (it is not leading)'}` } };
    return { status: 200, body: found };
  }
  return undefined;
}

/**
 * The infrastructure roles: each role read at the last sync, keyed by name as Zalando's map of PgUser, and the
 * Secrets the configuration names. Passwords are never shown.
 */
function infrastructureRoles(config: OperatorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of lastInfrastructureRoles()) {
    out[r.name] = { Origin: 'infrastructure', Name: r.name, Password: MASK, Flags: r.flags, MemberOf: r.memberOf, Parameters: r.parameters ?? null };
  }
  const legacy = (config as { infrastructure_roles_secret_name?: string }).infrastructure_roles_secret_name;
  if (legacy) out[legacy] = { Origin: 'infrastructure', Secret: legacy, Password: MASK };
  const list = config.infrastructure_roles_secrets;
  if (Array.isArray(list)) {
    for (const entry of list as Record<string, unknown>[]) {
      const secret = String(entry.secretname ?? '');
      if (secret) out[secret] = { Origin: 'infrastructure', Secret: secret, UserKey: entry.userkey, PasswordKey: entry.passwordkey, RoleKey: entry.rolekey, Password: MASK };
    }
  }
  return out;
}
