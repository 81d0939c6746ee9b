// PgBouncer's auth_query target: `<schema>.user_lookup(name)` answering a
// role's name and stored password, SECURITY DEFINER so the pooler user can
// read pg_shadow through it and nothing else (pooler-patroni-walg.md §A.2).
// Installed in every database but the templates. Pure.
import { ident } from './roles.ts';

export function lookupStatements(schema: string, user: string): string[] {
  const s = ident(schema);
  const u = ident(user);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE OR REPLACE FUNCTION ${s}.user_lookup(in i_username text, out uname text, out phash text) RETURNS record AS $$
BEGIN
  SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = i_username INTO uname, phash;
  RETURN;
END;
$$ LANGUAGE plpgsql SECURITY DEFINER`,
    `REVOKE ALL ON FUNCTION ${s}.user_lookup(text) FROM public, ${u}`,
    `GRANT EXECUTE ON FUNCTION ${s}.user_lookup(text) TO ${u}`,
    `GRANT USAGE ON SCHEMA ${s} TO ${u}`,
  ];
}

/** Whether the function is there and the pooler user may call it */
export const LOOKUP_PRESENT = `SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = $1 AND p.proname = 'user_lookup' AND has_function_privilege($2, p.oid, 'EXECUTE')`;
