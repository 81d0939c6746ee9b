// Credentials Secrets: the superuser, the replication user and every LOGIN
// role the manifest implies (zalando-operator.md §2.7). Passwords are not
// chosen here: the builder is pure, so each Secret carries PASSWORD_PLACEHOLDER
// and the reconciler generates a value once, on create. An existing Secret is
// never rewritten.
import type { PostgresqlSpec } from '../model/types.ts';
import { inheritedAnnotations, meta, objectLabels, secretName, type ClusterContext } from './meta.ts';

type Obj = Record<string, unknown>;

export const PASSWORD_PLACEHOLDER = '<generated on create>';

export interface DesiredUser {
  name: string;
  /** namespace of its Secret (cross-namespace users) */
  namespace: string;
  origin: 'system' | 'manifest' | 'prepared';
}

export function loginUsers(c: ClusterContext): DesiredUser[] {
  const { config, pg } = c;
  const spec: PostgresqlSpec = pg.spec;
  const out = new Map<string, DesiredUser>();
  /** Secrets already claimed: "foo_user" and "foo-user" share one, and only the first gets it (validation warns) */
  const claimed = new Set<string>();
  const add = (name: string, origin: DesiredUser['origin'], namespace = c.namespace) => {
    const secret = `${namespace}/${secretName(config, name, c.name)}`;
    if (out.has(name) || claimed.has(secret)) return;
    claimed.add(secret);
    out.set(name, { name, namespace, origin });
  };
  add(config.super_username, 'system');
  add(config.replication_username, 'system');
  const protectedNames = new Set([...config.protected_role_names, config.super_username, config.replication_username]);
  for (const [user, flags] of Object.entries(spec.users ?? {})) {
    if (protectedNames.has(user)) continue;
    if ((flags ?? []).some((f) => String(f).toUpperCase() === 'NOLOGIN')) continue;
    const dot = user.indexOf('.');
    if (dot > 0 && config.enable_cross_namespace_secret) add(user, 'manifest', user.slice(0, dot));
    else add(user, 'manifest');
  }
  for (const [db, prep] of Object.entries(preparedDatabases(c))) {
    const namespace = prep?.secretNamespace && config.enable_cross_namespace_secret ? prep.secretNamespace : c.namespace;
    if (prep?.defaultUsers) for (const r of ['owner', 'reader', 'writer']) add(`${db}_${r}_user`, 'prepared', namespace);
    for (const [schema, s] of Object.entries(prep?.schemas ?? { data: {} })) {
      if (s?.defaultUsers) for (const r of ['owner', 'reader', 'writer']) add(`${db}_${schema}_${r}_user`, 'prepared', namespace);
    }
  }
  return [...out.values()];
}

/** `preparedDatabases: {}` means one database named after the cluster ("-" → "_") */
export function preparedDatabases(c: ClusterContext): NonNullable<PostgresqlSpec['preparedDatabases']> {
  const p = c.pg.spec.preparedDatabases;
  if (p && Object.keys(p).length === 0) return { [c.name.replaceAll('-', '_')]: {} };
  return p ?? {};
}

export function secret(c: ClusterContext, user: DesiredUser): Obj {
  const m = meta(c, secretName(c.config, user.name, c.name), objectLabels(c), inheritedAnnotations(c));
  m.namespace = user.namespace;
  // Objects in another namespace cannot be owned by the cluster.
  if (user.namespace !== c.namespace) delete m.ownerReferences;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: m,
    type: 'Opaque',
    stringData: { username: user.name, password: PASSWORD_PLACEHOLDER },
  };
}
