// Infrastructure roles (Zalando's docs/reference "infrastructure roles"): roles
// every cluster gets, described by Secrets in two formats, optionally refined by
// a ConfigMap of the same name. Pure: the reader in services/postgres fetches
// the objects, this module turns them into roles.
//  - legacy `infrastructure_roles_secret_name`: one Secret with user1/password1/
//    inrole1, user2/password2/... (numbered from 1, stops at the first missing userN)
//  - `infrastructure_roles_secrets`: a list of {secretname, userkey, passwordkey,
//    rolekey, defaultuservalue, defaultrolevalue, details}; one role per entry.
//    In a ConfigMap it is one "key: value, key: value" string (one entry).
//  - a ConfigMap named like the Secret: each key a role whose YAML value gives
//    inrole / user_flags / db_parameters; its password is the Secret's key of that name.
import { parse as parseYaml } from 'yaml';
import type { InfrastructureRole } from './desired-roles.ts';

export interface InfrastructureRoleDef {
  namespace: string;
  secretName: string;
  userKey: string;
  passwordKey: string;
  roleKey: string;
  defaultUserValue?: string;
  defaultRoleValue?: string;
  /** a Secret key holding the whole role as YAML */
  details?: string;
  /** the legacy numbered format */
  template: boolean;
}

export interface InfrastructureConfig {
  infrastructure_roles_secret_name: string;
  infrastructure_roles_secrets: unknown;
}

/** "ns/name" or "name" (then the default namespace), as Zalando's NamespacedName decodes it */
function namespaced(value: string, defaultNamespace: string): { namespace: string; name: string } {
  const i = value.indexOf('/');
  return i > 0 ? { namespace: value.slice(0, i), name: value.slice(i + 1) } : { namespace: defaultNamespace, name: value };
}

/** The definitions the configuration names; `warnings` say which entries are ignored and why. */
export function infrastructureRoleDefs(config: InfrastructureConfig, operatorNamespace: string): { defs: InfrastructureRoleDef[]; warnings: string[] } {
  const defs: InfrastructureRoleDef[] = [];
  const warnings: string[] = [];
  const entries: Record<string, unknown>[] = [];
  const list = config.infrastructure_roles_secrets;
  // The ConfigMap spelling is one entry as "secretname: x, userkey: user, ..." (Zalando's InfrastructureRolesDefs);
  // its secret name defaults to the "default" namespace there, the CRD's to the operator's.
  let listNamespace = operatorNamespace;
  if (typeof list === 'string' && list.trim() !== '') {
    const entry: Record<string, string> = {};
    for (const part of list.split(',')) {
      const i = part.indexOf(':');
      if (i > 0) entry[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
    entries.push(entry);
    listNamespace = 'default';
  } else if (Array.isArray(list)) {
    entries.push(...list.filter((e): e is Record<string, unknown> => Boolean(e) && typeof e === 'object'));
  } else if (list && typeof list === 'object') {
    entries.push(list as Record<string, unknown>);
  }
  for (const e of entries) {
    const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
    const secret = s('secretname');
    if (!secret) {
      warnings.push('infrastructure_roles_secrets: an entry has no secretname and is ignored');
      continue;
    }
    const { namespace, name } = namespaced(secret, listNamespace);
    const def: InfrastructureRoleDef = {
      namespace,
      secretName: name,
      userKey: s('userkey') ?? '',
      passwordKey: s('passwordkey') ?? '',
      roleKey: s('rolekey') ?? '',
      defaultUserValue: s('defaultuservalue'),
      defaultRoleValue: s('defaultrolevalue'),
      details: s('details'),
      template: e.template === true,
    };
    if (!def.details && ((!def.userKey && !def.defaultUserValue) || !def.passwordKey)) {
      warnings.push(`infrastructure_roles_secrets: entry for Secret ${secret} needs userkey (or defaultuservalue) and passwordkey; ignored`);
      continue;
    }
    defs.push(def);
  }
  if (config.infrastructure_roles_secret_name) {
    const { namespace, name } = namespaced(config.infrastructure_roles_secret_name, operatorNamespace);
    defs.push({ namespace, secretName: name, userKey: 'user', passwordKey: 'password', roleKey: 'inrole', template: true });
  }
  return { defs, warnings };
}

interface RoleYaml {
  inrole?: unknown;
  user_flags?: unknown;
  db_parameters?: unknown;
  name?: unknown;
  password?: unknown;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? [v] : []);
const params = (v: unknown): Record<string, string> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)])) : undefined;

function fromYaml(text: string): RoleYaml {
  const v = parseYaml(text) as unknown;
  return v && typeof v === 'object' ? (v as RoleYaml) : {};
}

/**
 * The roles one definition yields from its Secret's decoded data and, when it exists, the ConfigMap of the same
 * name. A role without a name or password is ignored with a warning (Zalando: "not complete").
 */
export function infrastructureRolesFrom(def: InfrastructureRoleDef, secret: Record<string, string>, configMap?: Record<string, string>): { roles: InfrastructureRole[]; warnings: string[] } {
  const roles: InfrastructureRole[] = [];
  const warnings: string[] = [];
  const where = `infrastructure roles Secret ${def.namespace}/${def.secretName}`;
  const used = new Set<string>();
  const add = (r: InfrastructureRole) => {
    if (!r.name || !r.password) warnings.push(`${where}: role ${r.name || '(no name)'} has no ${r.name ? 'password' : 'user name'} and is ignored`);
    else roles.push(r);
  };
  if (def.template) {
    for (let i = 1; `${def.userKey}${i}` in secret; i++) {
      for (const k of [def.userKey, def.passwordKey, def.roleKey]) used.add(`${k}${i}`);
      const inrole = secret[`${def.roleKey}${i}`];
      add({ name: secret[`${def.userKey}${i}`]!, password: secret[`${def.passwordKey}${i}`], memberOf: inrole ? [inrole] : [], flags: [] });
    }
  } else if (def.details && def.details in secret) {
    try {
      const y = fromYaml(secret[def.details]!);
      add({ name: String(y.name ?? ''), password: y.password === undefined ? undefined : String(y.password), memberOf: strings(y.inrole), flags: strings(y.user_flags), parameters: params(y.db_parameters) });
    } catch (e) {
      warnings.push(`${where}: key ${def.details} is not a YAML role description (${e instanceof Error ? e.message : String(e)})`);
    }
  } else {
    const name = secret[def.userKey] || def.defaultUserValue || '';
    const role = secret[def.roleKey] || def.defaultRoleValue || '';
    used.add(def.userKey).add(def.passwordKey).add(def.roleKey);
    add({ name, password: secret[def.passwordKey], memberOf: role ? [role] : [], flags: [] });
  }
  for (const [name, text] of Object.entries(configMap ?? {})) {
    // The ConfigMap describes a role; the Secret holds its password under the role's name.
    const password = used.has(name) ? undefined : secret[name];
    if (!password) {
      warnings.push(`${where}: role ${name} from the ConfigMap has no password in the Secret and is ignored`);
      continue;
    }
    try {
      const y = fromYaml(text);
      roles.push({ name, password, memberOf: strings(y.inrole), flags: strings(y.user_flags), parameters: params(y.db_parameters) });
    } catch (e) {
      warnings.push(`${where}: ConfigMap key ${name} is not a YAML role description (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return { roles, warnings };
}

/** One role per name: a later definition wins, as in Zalando's map of infrastructure roles. */
export function uniqueRoles(roles: InfrastructureRole[]): InfrastructureRole[] {
  return [...new Map(roles.map((r) => [r.name, r])).values()];
}
