// What PostgreSQL holds: roles (pg_authid), databases and, per database, its
// schemas and extensions. Read as the superuser; only names asked about.
import type pg from 'pg';
import type { DatabaseState } from '../../operator/reconcile/databases.ts';
import { ROLE_ATTRIBUTES, type DbRole } from '../../operator/reconcile/roles.ts';

const ROLES = `SELECT a.rolname, a.rolpassword, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin, a.rolreplication, a.rolbypassrls,
  COALESCE(s.setconfig, '{}') AS setconfig,
  ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_authid b ON m.roleid = b.oid WHERE m.member = a.oid ORDER BY 1) AS memberof
FROM pg_catalog.pg_authid a LEFT JOIN pg_catalog.pg_db_role_setting s ON a.oid = s.setrole AND s.setdatabase = 0
WHERE a.rolname = ANY($1) ORDER BY 1`;

const COLUMN: Record<(typeof ROLE_ATTRIBUTES)[number], string> = {
  SUPERUSER: 'rolsuper',
  INHERIT: 'rolinherit',
  CREATEROLE: 'rolcreaterole',
  CREATEDB: 'rolcreatedb',
  LOGIN: 'rolcanlogin',
  REPLICATION: 'rolreplication',
  BYPASSRLS: 'rolbypassrls',
};

export async function readRoles(client: pg.Client, names: string[]): Promise<DbRole[]> {
  const res = await client.query<Record<string, unknown>>(ROLES, [names]);
  return res.rows.map((r) => ({
    name: r.rolname as string,
    password: (r.rolpassword as string | null) ?? null,
    attributes: Object.fromEntries(ROLE_ATTRIBUTES.map((a) => [a, Boolean(r[COLUMN[a]])])) as DbRole['attributes'],
    memberOf: r.memberof as string[],
    config: r.setconfig as string[],
  }));
}

/** database → owner */
export async function readDatabases(client: pg.Client): Promise<Map<string, string>> {
  const res = await client.query<{ datname: string; owner: string }>('SELECT datname, pg_catalog.pg_get_userbyid(datdba) AS owner FROM pg_catalog.pg_database');
  return new Map(res.rows.map((r) => [r.datname, r.owner]));
}

export async function readDatabaseState(client: pg.Client): Promise<DatabaseState> {
  const schemas = await client.query<{ nspname: string }>("SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'");
  const ext = await client.query<{ extname: string; nspname: string }>('SELECT e.extname, n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace');
  return { schemas: schemas.rows.map((r) => r.nspname), extensions: Object.fromEntries(ext.rows.map((r) => [r.extname, r.nspname])) };
}
