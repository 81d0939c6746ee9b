// The pure role, database and Patroni-configuration decisions: what would be
// written for a given catalog, and that nothing is when the catalog matches.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { patroniConfigDiff, restartOrder } from '../../src/operator/reconcile/patroni-config.ts';
import { md5Verifier, scramVerifier, verifierMatches } from '../../src/operator/reconcile/role-password.ts';
import { diffRoles, normalizeFlags, roleStatements, type DbRole, type RoleSpec } from '../../src/operator/reconcile/roles.ts';
import { diffDatabases, preparedStatements } from '../../src/operator/reconcile/databases.ts';

const attrs = (on: string[] = []): DbRole['attributes'] =>
  Object.fromEntries(['SUPERUSER', 'INHERIT', 'CREATEROLE', 'CREATEDB', 'LOGIN', 'REPLICATION', 'BYPASSRLS'].map((a) => [a, on.includes(a)])) as DbRole['attributes'];
const spec = (name: string, over: Partial<RoleSpec> = {}): RoleSpec => ({ name, origin: 'manifest', flags: normalizeFlags([]), memberOf: [], ...over });
const verifier = (u: string, p: string) => scramVerifier(p, randomBytes(16));

describe('password verifiers', () => {
  it('a stored SCRAM verifier is checked against the password, not re-hashed', () => {
    const stored = scramVerifier('s3cret', randomBytes(16));
    expect(verifierMatches(stored, 'app', 's3cret', 'scram-sha-256')).toBe(true);
    expect(verifierMatches(stored, 'app', 'other', 'scram-sha-256')).toBe(false);
    // an md5 hash when SCRAM is configured is replaced
    expect(verifierMatches(md5Verifier('app', 's3cret'), 'app', 's3cret', 'scram-sha-256')).toBe(false);
    expect(verifierMatches(md5Verifier('app', 's3cret'), 'app', 's3cret', 'md5')).toBe(true);
    expect(md5Verifier('app', 'x')).toMatch(/^md5[0-9a-f]{32}$/);
  });
});

describe('role diff', () => {
  it('creates missing roles with flags, memberships and a verifier (never the clear password)', () => {
    const changes = diffRoles([spec('app', { password: 'pw', flags: normalizeFlags(['createdb']), adminRole: 'admin' })], [], { encryption: 'scram-sha-256' });
    const sql = changes.flatMap((c) => roleStatements(c, verifier));
    expect(sql).toHaveLength(1);
    expect(sql[0]).toMatch(/^CREATE ROLE "app" CREATEDB LOGIN ADMIN "admin" PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(sql[0]).not.toContain("'pw'");
  });

  it('changes nothing when the catalog matches, including the password', () => {
    const current: DbRole[] = [{ name: 'app', password: scramVerifier('pw', randomBytes(16)), attributes: attrs(['LOGIN', 'INHERIT', 'CREATEDB']), memberOf: ['readers'], config: ['search_path="$user", data'] }];
    const want = [spec('app', { password: 'pw', flags: normalizeFlags(['createdb']), memberOf: ['readers'], parameters: { search_path: '"$user", data' } })];
    expect(diffRoles(want, current, { encryption: 'scram-sha-256' })).toEqual([]);
  });

  it('adds flags and memberships, never removes them unless a NO flag says so; a wrong password is replaced and flagged', () => {
    const current: DbRole[] = [{ name: 'app', password: md5Verifier('app', 'old'), attributes: attrs(['LOGIN', 'SUPERUSER']), memberOf: ['x'], config: [] }];
    const [c] = diffRoles([spec('app', { password: 'new', flags: normalizeFlags(['createdb', 'nologin']), memberOf: ['y'] })], current, { encryption: 'md5' });
    expect(c).toMatchObject({ op: 'alter', flags: ['CREATEDB', 'NOLOGIN'], grant: ['y'], password: 'new', passwordReplaced: true });
    expect(roleStatements(c!, md5Verifier)).toEqual([`ALTER ROLE "app" CREATEDB NOLOGIN PASSWORD '${md5Verifier('app', 'new')}'`, 'GRANT "y" TO "app"']);
  });

  it('renames a removed team member with the suffix and NOLOGIN, and back when re-added', () => {
    const member: DbRole = { name: 'alice', password: null, attributes: attrs(['LOGIN']), memberOf: [], config: [] };
    const gone = diffRoles([], [member], { encryption: 'scram-sha-256', deprecated: ['alice'], deletionSuffix: '_deleted' });
    expect(gone.flatMap((c) => roleStatements(c, verifier))).toEqual(['ALTER ROLE "alice" RENAME TO "alice_deleted"', 'ALTER ROLE "alice_deleted" NOLOGIN']);
    const back = diffRoles([spec('alice')], [{ ...member, name: 'alice_deleted', attributes: attrs([]) }], { encryption: 'scram-sha-256', deletionSuffix: '_deleted' });
    expect(back.flatMap((c) => roleStatements(c, verifier))).toEqual(['ALTER ROLE "alice_deleted" RENAME TO "alice"', 'ALTER ROLE "alice" LOGIN']);
  });

  it('creates roles named in IN ROLE / ADMIN before the roles that name them', () => {
    const changes = diffRoles([spec('db_writer', { memberOf: ['db_reader'], adminRole: 'db_owner' }), spec('db_reader', { adminRole: 'db_owner' }), spec('db_owner')], [], { encryption: 'md5' });
    expect(changes.map((c) => (c.op === 'create' ? c.role.name : ''))).toEqual(['db_owner', 'db_reader', 'db_writer']);
  });
});

describe('databases', () => {
  it('creates missing databases, re-owns others, never drops', () => {
    const wanted = [{ name: 'a', owner: 'x' }, { name: 'b', owner: 'y' }];
    expect(diffDatabases(wanted, new Map([['b', 'z'], ['old', 'q']]))).toEqual([
      { database: 'a', op: 'create', sql: 'CREATE DATABASE "a" OWNER "x"' },
      { database: 'b', op: 'owner', sql: 'ALTER DATABASE "b" OWNER TO "y"' },
    ]);
  });

  it('prepared contents: schemas and extensions only when missing', () => {
    const plan = { database: 'shop', owner: 'shop_owner', reader: 'shop_reader', writer: 'shop_writer', schemas: [{ name: 'data', owner: 'shop_data_owner', reader: 'shop_data_reader', writer: 'shop_data_writer' }], extensions: { pg_trgm: 'data' } };
    expect(preparedStatements(plan, { schemas: ['public', 'data'], extensions: { pg_trgm: 'data', plpgsql: 'pg_catalog' } }, false)).toEqual([]);
    const fresh = preparedStatements(plan, { schemas: ['public'], extensions: {} }, true);
    expect(fresh).toContain('CREATE SCHEMA IF NOT EXISTS "data" AUTHORIZATION "shop_data_owner"');
    expect(fresh.at(-1)).toBe('CREATE EXTENSION IF NOT EXISTS "pg_trgm" SCHEMA "data"');
  });
});

describe('Patroni dynamic configuration', () => {
  const current = { ttl: 30, loop_wait: 10, postgresql: { parameters: { max_connections: 100, work_mem: '4MB' } }, slots: { by_hand: { type: 'physical' } } };

  it('no patch when nothing differs (numbers and strings compare as Patroni stores them)', () => {
    const d = patroniConfigDiff(current, { patroni: { ttl: 30, loop_wait: 10 }, postgresql: { parameters: { max_connections: '100', shared_buffers: '1GB' } } }, false);
    expect(d.patch).toBeUndefined();
  });

  it('patches changed keys and parameters; local parameters are not sent; hand-made slots stay', () => {
    const d = patroniConfigDiff(current, { patroni: { ttl: 40, slots: { mine: { type: 'logical', database: 'foo', plugin: 'pgoutput' } } }, postgresql: { parameters: { max_connections: '200', shared_buffers: '1GB' } } }, false, []);
    expect(d.patch).toEqual({ ttl: 40, slots: { mine: { type: 'logical', database: 'foo', plugin: 'pgoutput' } }, postgresql: { parameters: { max_connections: '200' } } });
    expect(d.primaryFirst).toBe(false);
    // a slot the manifest set before and dropped now is removed; the hand-made one is not
    const later = patroniConfigDiff({ ...current, slots: { by_hand: { type: 'physical' }, mine: { type: 'physical' } } }, {}, false, ['mine']);
    expect(later.patch).toEqual({ slots: { mine: null } });
  });

  it('only decreases of connection-like parameters restart the primary first', () => {
    expect(patroniConfigDiff(current, { postgresql: { parameters: { max_connections: '50' } } }, false).primaryFirst).toBe(true);
    const members = [{ name: 'a-0', leader: true }, { name: 'a-2', leader: false }, { name: 'a-1', leader: false }];
    expect(restartOrder(members, false).map((m) => m.name)).toEqual(['a-1', 'a-2', 'a-0']);
    expect(restartOrder(members, true).map((m) => m.name)).toEqual(['a-0', 'a-1', 'a-2']);
  });
});
