// Where roles come from outside a cluster's manifest, read straight from the
// API when a sync needs them: infrastructure-role Secrets (and their optional
// ConfigMaps) and PostgresTeam objects. Every call has a deadline; a missing
// object is reported, not thrown, so one bad Secret does not stop the sync.
import * as k8s from '@kubernetes/client-node';
import type { InfrastructureRole } from '../../operator/reconcile/desired-roles.ts';
import { infrastructureRoleDefs, infrastructureRolesFrom, uniqueRoles, type InfrastructureConfig } from '../../operator/reconcile/infrastructure-roles.ts';
import type { PostgresTeamSpec } from '../../operator/reconcile/team-members.ts';
import { withTimeout } from './credentials.ts';

export interface InfrastructureRead {
  roles: InfrastructureRole[];
  warnings: string[];
}

let last: InfrastructureRead = { roles: [], warnings: [] };
/** The roles of the last read, for the operator API's /config (it answers synchronously). */
export const lastInfrastructureRoles = (): InfrastructureRole[] => last.roles;

const notFound = (e: unknown) => (e as { code?: number }).code === 404 || /HTTP-Code: 404|"code":404/.test(String((e as Error)?.message ?? e));
const decode = (data: Record<string, string> | undefined) => Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

/** How long one read serves every cluster's sync: a resync of many clusters reads the Secrets once, not once each. */
const FRESH_MS = 10_000;

export function infrastructureRoleReader(kc: k8s.KubeConfig, operatorNamespace: string, timeoutMs = 10_000, freshMs = FRESH_MS): (config: InfrastructureConfig) => Promise<InfrastructureRead> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let cached: { key: string; at: number; value: Promise<InfrastructureRead> } | undefined;
  return (config) => {
    const key = JSON.stringify([config.infrastructure_roles_secret_name, config.infrastructure_roles_secrets]);
    if (cached && cached.key === key && Date.now() - cached.at < freshMs) return cached.value;
    const value = read(config);
    cached = { key, at: Date.now(), value };
    value.catch(() => (cached = undefined));
    return value;
  };
  async function read(config: InfrastructureConfig): Promise<InfrastructureRead> {
    const { defs, warnings } = infrastructureRoleDefs(config, operatorNamespace);
    const roles: InfrastructureRole[] = [];
    for (const def of defs) {
      const what = `infrastructure roles Secret ${def.namespace}/${def.secretName}`;
      let secret: Record<string, string>;
      try {
        secret = decode((await withTimeout(core.readNamespacedSecret({ namespace: def.namespace, name: def.secretName }), timeoutMs, `reading ${what}`)).data);
      } catch (e) {
        warnings.push(notFound(e) ? `${what} does not exist: create it or fix the configuration` : `${what}: ${(e as Error).message}`);
        continue;
      }
      let configMap: Record<string, string> | undefined;
      try {
        configMap = (await withTimeout(core.readNamespacedConfigMap({ namespace: def.namespace, name: def.secretName }), timeoutMs, `reading ConfigMap ${def.namespace}/${def.secretName}`)).data ?? {};
      } catch (e) {
        if (!notFound(e)) warnings.push(`infrastructure roles ConfigMap ${def.namespace}/${def.secretName}: ${(e as Error).message}`);
      }
      const got = infrastructureRolesFrom(def, secret, configMap);
      roles.push(...got.roles);
      warnings.push(...got.warnings);
    }
    last = { roles: uniqueRoles(roles), warnings };
    return last;
  }
}

/** Every PostgresTeam in scope (all namespaces when `namespace` is undefined), as Zalando merges them into one map. */
export function postgresTeamReader(kc: k8s.KubeConfig, timeoutMs = 10_000, freshMs = FRESH_MS): (namespace?: string) => Promise<PostgresTeamSpec[]> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  let cached: { key: string; at: number; value: Promise<PostgresTeamSpec[]> } | undefined;
  return (namespace) => {
    const key = namespace ?? '*';
    if (cached && cached.key === key && Date.now() - cached.at < freshMs) return cached.value;
    const value = list(namespace);
    cached = { key, at: Date.now(), value };
    value.catch(() => (cached = undefined));
    return value;
  };
  async function list(namespace?: string): Promise<PostgresTeamSpec[]> {
    const req = namespace
      ? api.listNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace, plural: 'postgresteams' })
      : api.listClusterCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresteams' });
    try {
      const list = (await withTimeout(req, timeoutMs, 'listing PostgresTeams')) as { items?: { spec?: PostgresTeamSpec }[] };
      return (list.items ?? []).map((t) => t.spec ?? {});
    } catch (e) {
      // No PostgresTeam CRD installed: no additional members, as in Zalando.
      if (notFound(e)) return [];
      throw e;
    }
  }
}
