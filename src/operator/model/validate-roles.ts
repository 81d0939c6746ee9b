// Roles and databases of a manifest: names PostgreSQL and Kubernetes accept,
// roles the operator keeps for itself, and two roles that would share one
// credentials Secret.
import type { OperatorConfig } from '../config/keys.ts';
import { secretName } from '../build/meta.ts';
import type { PostgresqlSpec } from './types.ts';
import { identifierLengthProblem, OBJECT_NAME_MAX } from './validate-names.ts';

type Report = (field: string, message: string) => void;

const USER_NAME = /^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;
const DB_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const ROLE_FLAGS = ['BYPASSRLS', 'CREATEDB', 'CREATEROLE', 'INHERIT', 'LOGIN', 'NOLOGIN', 'REPLICATION', 'SUPERUSER'];
/** Databases every PostgreSQL cluster has: the manifest cannot create or re-own them. */
const BUILTIN_DATABASES = ['postgres', 'template0', 'template1'];

export function validateUsers(spec: PostgresqlSpec, cluster: string, config: OperatorConfig, err: Report, warn: Report): void {
  const users = spec.users ?? {};
  const protectedRoles = new Set(config.protected_role_names);
  const systemRoles = new Set([config.super_username, config.replication_username]);
  const secrets = new Map<string, string>();
  for (const [user, flags] of Object.entries(users)) {
    const field = `spec.users.${user}`;
    if (!USER_NAME.test(user)) err(field, `"${user}" is not a valid role name; use lower-case letters, digits, "_" and "-"`);
    if (user.startsWith('pg_')) err(field, `"${user}": role names starting with "pg_" are reserved by PostgreSQL; rename it`);
    const tooLong = identifierLengthProblem(user, 'role name');
    if (tooLong) err(field, tooLong);
    if (user.includes('.') && !config.enable_cross_namespace_secret) {
      err(field, `"${user}" names a namespace; set enable_cross_namespace_secret to put its secret there`);
    }
    if (systemRoles.has(user)) warn(field, `"${user}" is a system role the operator manages; the manifest entry is skipped`);
    else if (protectedRoles.has(user)) warn(field, `"${user}" is a protected role (protected_role_names); the manifest entry is skipped`);
    else if (!(flags ?? []).some((f) => String(f).toUpperCase() === 'NOLOGIN')) {
      const secret = secretName(config, user, cluster);
      if (secret.length > OBJECT_NAME_MAX) {
        err(field, `its Secret name would be ${secret.length} characters; Kubernetes allows ${OBJECT_NAME_MAX}, so shorten the role or cluster name`);
      }
      const other = secrets.get(secret);
      if (other) warn(field, `"${user}" and "${other}" map to the same Secret "${secret}", so "${user}" gets no credentials; rename one of them`);
      else secrets.set(secret, user);
    }
    checkFlags(flags ?? [], field, err);
  }
}

function checkFlags(flags: (string | undefined)[], field: string, err: Report): void {
  const upper = flags.filter((f) => f !== undefined).map((f) => String(f).toUpperCase());
  for (const f of upper) {
    const base = f.startsWith('NO') && f !== 'NOLOGIN' ? f.slice(2) : f;
    if (!ROLE_FLAGS.includes(base)) err(field, `flag "${f}" is unknown; use ${ROLE_FLAGS.join(', ')} or their NO forms`);
    else if (f !== 'NOLOGIN' && upper.includes(f.startsWith('NO') ? base : `NO${f}`)) err(field, `flags "${f}" and its opposite are both set`);
  }
}

export function validateDatabases(spec: PostgresqlSpec, config: OperatorConfig, err: Report, warn: Report): void {
  const users = spec.users ?? {};
  const check = (db: string, field: string) => {
    if (!DB_NAME.test(db)) err(field, `"${db}" is not a valid database name; use letters, digits and "_"`);
    else if (BUILTIN_DATABASES.includes(db)) err(field, `"${db}" is a database PostgreSQL creates itself; pick another name`);
    const tooLong = identifierLengthProblem(db, 'database name');
    if (tooLong) err(field, tooLong);
  };
  for (const [db, owner] of Object.entries(spec.databases ?? {})) {
    const field = `spec.databases.${db}`;
    check(db, field);
    if (owner !== undefined && !(owner in users) && owner !== config.super_username) {
      warn(field, `owner "${owner}" is not in spec.users; add it there or the database is created without it`);
    }
  }
  for (const db of Object.keys(spec.preparedDatabases ?? {})) check(db, `spec.preparedDatabases.${db}`);
}
