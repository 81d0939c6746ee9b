// Databases: spec.databases (name → owner) and spec.preparedDatabases with
// their default roles, schemas, default privileges and extensions
// (zalando-operator.md §3.11), compared with the catalog. Databases and schemas
// are never dropped; default privileges are granted when the schema is made.
import { preparedDatabases } from '../build/secrets.ts';
import type { ClusterContext } from '../build/meta.ts';
import { ident, normalizeFlags, type RoleSpec } from './roles.ts';

export interface SchemaPlan {
  name: string;
  owner: string;
  /** roles that get read / write default privileges in it */
  reader: string;
  writer: string;
}

export interface PreparedPlan {
  database: string;
  owner: string;
  reader: string;
  writer: string;
  schemas: SchemaPlan[];
  /** extension → schema */
  extensions: Record<string, string>;
}

export interface WantedDatabase {
  name: string;
  owner: string;
  prepared?: PreparedPlan;
}

/** What a database holds today, for the prepared parts */
export interface DatabaseState {
  schemas: string[];
  /** extension → schema it lives in */
  extensions: Record<string, string>;
}

const DEFAULT_SCHEMA = 'data';

export function preparedPlans(c: ClusterContext): PreparedPlan[] {
  return Object.entries(preparedDatabases(c)).map(([db, p]) => {
    const schemas = Object.entries(p?.schemas ?? { [DEFAULT_SCHEMA]: {} }).map(([name, s]) => {
      const own = s?.defaultRoles !== false;
      return own
        ? { name, owner: `${db}_${name}_owner`, reader: `${db}_${name}_reader`, writer: `${db}_${name}_writer` }
        : { name, owner: `${db}_owner`, reader: `${db}_reader`, writer: `${db}_writer` };
    });
    return { database: db, owner: `${db}_owner`, reader: `${db}_reader`, writer: `${db}_writer`, schemas, extensions: { ...(p?.extensions ?? {}) } };
  });
}

export function wantedDatabases(c: ClusterContext): WantedDatabase[] {
  const out = new Map<string, WantedDatabase>();
  for (const [name, owner] of Object.entries(c.pg.spec.databases ?? {})) out.set(name, { name, owner });
  for (const p of preparedPlans(c)) out.set(p.database, { name: p.database, owner: p.owner, prepared: p });
  return [...out.values()];
}

/**
 * The NOLOGIN owner/reader/writer roles of each prepared database and schema,
 * and their LOGIN `_user` companions when defaultUsers is set. `passwords`
 * holds the Secrets' passwords by role name.
 */
export function preparedRoles(c: ClusterContext, passwords: ReadonlyMap<string, string>, adminRole: string | undefined): RoleSpec[] {
  const out: RoleSpec[] = [];
  const trio = (prefix: string, searchPath: string, users: boolean, admin: string | undefined) => {
    const owner = `${prefix}_owner`;
    const parameters = { search_path: searchPath };
    out.push({ name: owner, origin: 'prepared', flags: ['NOLOGIN'], memberOf: [], adminRole: admin, parameters });
    out.push({ name: `${prefix}_reader`, origin: 'prepared', flags: ['NOLOGIN'], memberOf: [], adminRole: owner, parameters });
    out.push({ name: `${prefix}_writer`, origin: 'prepared', flags: ['NOLOGIN'], memberOf: [`${prefix}_reader`], adminRole: owner, parameters });
    if (!users) return;
    for (const r of ['owner', 'reader', 'writer']) {
      const name = `${prefix}_${r}_user`;
      // no ADMIN clause: the owner user is a member of the owner, and membership must not loop
      out.push({ name, origin: 'prepared', flags: normalizeFlags([]), password: passwords.get(name), memberOf: [`${prefix}_${r}`], parameters });
    }
  };
  const specs = preparedDatabases(c);
  for (const plan of preparedPlans(c)) {
    const p = specs[plan.database];
    const schemaNames = plan.schemas.map((s) => s.name);
    trio(plan.database, ['"$user"', ...schemaNames].join(', '), Boolean(p?.defaultUsers), adminRole);
    for (const [schema, s] of Object.entries(p?.schemas ?? { [DEFAULT_SCHEMA]: {} })) {
      if (s?.defaultRoles === false) continue;
      trio(`${plan.database}_${schema}`, `"$user", ${schema}`, Boolean(s?.defaultUsers), plan.owner);
    }
  }
  return out;
}

/** Owners of databases (for additional_owner_roles) */
export const databaseOwners = (wanted: WantedDatabase[]) => [...new Set(wanted.map((w) => w.owner))].sort();

export interface DatabaseChange {
  database: string;
  op: 'create' | 'owner';
  sql: string;
}

export function diffDatabases(wanted: WantedDatabase[], current: ReadonlyMap<string, string>): DatabaseChange[] {
  const out: DatabaseChange[] = [];
  for (const w of wanted) {
    const owner = current.get(w.name);
    if (owner === undefined) out.push({ database: w.name, op: 'create', sql: `CREATE DATABASE ${ident(w.name)} OWNER ${ident(w.owner)}` });
    else if (owner !== w.owner) out.push({ database: w.name, op: 'owner', sql: `ALTER DATABASE ${ident(w.name)} OWNER TO ${ident(w.owner)}` });
  }
  return out;
}

function defaultPrivileges(forRole: string, reader: string, writer: string, inSchema?: string): string[] {
  const scope = `ALTER DEFAULT PRIVILEGES FOR ROLE ${ident(forRole)}${inSchema ? ` IN SCHEMA ${ident(inSchema)}` : ''}`;
  const r = ident(reader);
  const w = ident(writer);
  const out = [
    `${scope} GRANT SELECT ON TABLES TO ${r}`,
    `${scope} GRANT SELECT ON SEQUENCES TO ${r}`,
    `${scope} GRANT INSERT, UPDATE, DELETE ON TABLES TO ${w}`,
    `${scope} GRANT USAGE, UPDATE ON SEQUENCES TO ${w}`,
    `${scope} GRANT EXECUTE ON FUNCTIONS TO ${r}, ${w}`,
    `${scope} GRANT USAGE ON TYPES TO ${r}, ${w}`,
  ];
  // Schemas get no defaults per schema (PostgreSQL allows USAGE ON SCHEMAS only database-wide).
  if (!inSchema) out.unshift(`${scope} GRANT USAGE ON SCHEMAS TO ${w}, ${r}`);
  return out;
}

/** Statements to run inside a prepared database: nothing once it is as planned. */
export function preparedStatements(plan: PreparedPlan, state: DatabaseState, created: boolean): string[] {
  const out: string[] = [];
  if (created) out.push(...defaultPrivileges(plan.owner, plan.reader, plan.writer));
  for (const s of plan.schemas) {
    if (state.schemas.includes(s.name)) continue;
    out.push(`CREATE SCHEMA IF NOT EXISTS ${ident(s.name)} AUTHORIZATION ${ident(s.owner)}`);
    out.push(`GRANT USAGE ON SCHEMA ${ident(s.name)} TO ${ident(s.reader)}, ${ident(s.writer)}`);
    out.push(...defaultPrivileges(s.owner, s.reader, s.writer, s.name));
  }
  for (const [ext, schema] of Object.entries(plan.extensions)) {
    const at = state.extensions[ext];
    if (at === undefined) out.push(`CREATE EXTENSION IF NOT EXISTS ${ident(ext)} SCHEMA ${ident(schema)}`);
    else if (at !== schema) out.push(`ALTER EXTENSION ${ident(ext)} SET SCHEMA ${ident(schema)}`);
  }
  return out;
}
