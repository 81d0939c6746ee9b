// Roles: what the manifest and the configuration want in PostgreSQL, compared
// with pg_authid, as the changes that close the gap (zalando-operator.md §3.10).
// As in Zalando, flags and memberships are only ever added (an explicit NO-flag
// takes one away), and roles that leave the manifest keep existing. Pure: the
// SQL is rendered here, run by services/postgres.
import { verifierMatches, type PasswordEncryption } from './role-password.ts';

export type RoleOrigin = 'manifest' | 'infrastructure' | 'team' | 'system' | 'prepared' | 'pooler';
/** higher wins when two sources name one role (Zalando's origin order) */
const RANK: Record<RoleOrigin, number> = { manifest: 0, infrastructure: 1, team: 2, system: 3, prepared: 4, pooler: 5 };

export const ROLE_ATTRIBUTES = ['SUPERUSER', 'INHERIT', 'CREATEROLE', 'CREATEDB', 'LOGIN', 'REPLICATION', 'BYPASSRLS'] as const;
export type RoleAttribute = (typeof ROLE_ATTRIBUTES)[number];

export interface RoleSpec {
  name: string;
  origin: RoleOrigin;
  /** upper-case; `NOX` takes attribute X away */
  flags: string[];
  /** the Secret's password; undefined leaves the password alone */
  password?: string;
  memberOf: string[];
  /** gets ADMIN OPTION on the role when it is created */
  adminRole?: string;
  /** ALTER ROLE … SET (search_path is written unquoted, as Zalando does) */
  parameters?: Record<string, string>;
}

/** A row of pg_authid as the catalog query reads it */
export interface DbRole {
  name: string;
  password: string | null;
  attributes: Record<RoleAttribute, boolean>;
  memberOf: string[];
  /** role-wide settings, "name=value" as in pg_db_role_setting.setconfig */
  config: string[];
}

export type RoleChange =
  | { op: 'create'; role: RoleSpec }
  | { op: 'alter'; name: string; flags: string[]; password?: string; grant: string[]; parameters?: Record<string, string>; passwordReplaced?: boolean }
  | { op: 'rename'; from: string; to: string; login: boolean };

/** Normalised manifest flags: upper-case, deduplicated, LOGIN unless NOLOGIN, sorted. */
export function normalizeFlags(flags: readonly (string | null | undefined)[], login = true): string[] {
  const set = new Set(flags.filter((f): f is string => typeof f === 'string' && f !== '').map((f) => f.toUpperCase()));
  if (login && !set.has('NOLOGIN')) set.add('LOGIN');
  return [...set].sort();
}

/** One spec per role: the higher origin wins, memberships add up. */
export function mergeRoles(specs: RoleSpec[]): RoleSpec[] {
  const out = new Map<string, RoleSpec>();
  for (const s of specs) {
    const had = out.get(s.name);
    if (!had) out.set(s.name, { ...s, memberOf: [...s.memberOf] });
    else {
      const [hi, lo] = RANK[s.origin] >= RANK[had.origin] ? [s, had] : [had, s];
      out.set(s.name, { ...hi, password: hi.password ?? lo.password, memberOf: [...new Set([...hi.memberOf, ...lo.memberOf])].sort() });
    }
  }
  return [...out.values()];
}

function wanted(flag: string): [RoleAttribute, boolean] | undefined {
  const base = flag.startsWith('NO') ? flag.slice(2) : flag;
  if (!(ROLE_ATTRIBUTES as readonly string[]).includes(base)) return undefined;
  return [base as RoleAttribute, !flag.startsWith('NO')];
}

const normSetting = (v: string) => v.replaceAll('"', '').replace(/\s+/g, '');

export interface RoleDiffOptions {
  encryption: PasswordEncryption;
  /** team members no longer wanted (enable_team_member_deprecation): renamed with the suffix, NOLOGIN */
  deprecated?: string[];
  deletionSuffix?: string;
}

export function diffRoles(desired: RoleSpec[], current: DbRole[], o: RoleDiffOptions): RoleChange[] {
  const have = new Map(current.map((r) => [r.name, r]));
  const changes: RoleChange[] = [];
  const suffix = o.deletionSuffix ?? '_deleted';
  for (const want of desired) {
    let role = have.get(want.name);
    if (!role && have.has(want.name + suffix)) {
      // A team member back in the team gets the old role, and its LOGIN, back.
      changes.push({ op: 'rename', from: want.name + suffix, to: want.name, login: true });
      role = { ...have.get(want.name + suffix)!, name: want.name };
      role.attributes = { ...role.attributes, LOGIN: true };
    }
    if (!role) {
      changes.push({ op: 'create', role: want });
      continue;
    }
    const flags = want.flags.filter((f) => {
      const w = wanted(f);
      return w !== undefined && role.attributes[w[0]] !== w[1];
    });
    const grant = want.memberOf.filter((m) => !role.memberOf.includes(m));
    const password = want.password !== undefined && !verifierMatches(role.password, want.name, want.password, o.encryption) ? want.password : undefined;
    let parameters: Record<string, string> | undefined;
    if (want.parameters) {
      const now = new Map(role.config.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      const differs = Object.keys(want.parameters).length !== now.size || Object.entries(want.parameters).some(([k, v]) => !now.has(k) || normSetting(now.get(k)!) !== normSetting(v));
      if (differs) parameters = want.parameters;
    }
    if (flags.length || grant.length || password !== undefined || parameters) {
      changes.push({ op: 'alter', name: want.name, flags, grant, password, parameters, passwordReplaced: password !== undefined && role.password !== null });
    }
  }
  const wantedNames = new Set(desired.map((d) => d.name));
  for (const name of o.deprecated ?? []) {
    if (wantedNames.has(name) || !have.has(name) || have.has(name + suffix)) continue;
    changes.push({ op: 'rename', from: name, to: name + suffix, login: false });
  }
  return orderCreates(changes);
}

/** Roles named in IN ROLE / ADMIN must exist first: creates sorted so dependencies come earlier. */
function orderCreates(changes: RoleChange[]): RoleChange[] {
  const creates = changes.filter((c): c is Extract<RoleChange, { op: 'create' }> => c.op === 'create');
  const names = new Set(creates.map((c) => c.role.name));
  const done = new Set<string>();
  const ordered: RoleChange[] = [];
  let left = creates;
  while (left.length) {
    const ready = left.filter((c) => [...c.role.memberOf, c.role.adminRole ?? ''].every((d) => !names.has(d) || done.has(d) || d === c.role.name));
    const batch = ready.length ? ready : left; // a cycle: let PostgreSQL say so
    for (const c of batch) {
      ordered.push(c);
      done.add(c.role.name);
    }
    left = left.filter((c) => !batch.includes(c));
  }
  return [...changes.filter((c) => c.op === 'rename'), ...ordered, ...changes.filter((c) => c.op === 'alter')];
}

export const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
export const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

function setting(name: string, value: string): string {
  return name === 'search_path' ? value : literal(value);
}

/** The statements of one change; `verifier` turns a password into what is stored (never sent in clear). */
export function roleStatements(c: RoleChange, verifier: (user: string, password: string) => string): string[] {
  if (c.op === 'rename') {
    return [`ALTER ROLE ${ident(c.from)} RENAME TO ${ident(c.to)}`, `ALTER ROLE ${ident(c.to)} ${c.login ? 'LOGIN' : 'NOLOGIN'}`];
  }
  if (c.op === 'create') {
    const r = c.role;
    const parts = [`CREATE ROLE ${ident(r.name)}`];
    const flags = r.flags.filter((f) => wanted(f));
    if (flags.length) parts.push(flags.join(' '));
    if (r.memberOf.length) parts.push(`IN ROLE ${r.memberOf.map(ident).join(', ')}`);
    if (r.adminRole) parts.push(`ADMIN ${ident(r.adminRole)}`);
    parts.push(r.password !== undefined ? `PASSWORD ${literal(verifier(r.name, r.password))}` : 'PASSWORD NULL');
    const out = [parts.join(' ')];
    for (const [k, v] of Object.entries(r.parameters ?? {})) out.push(`ALTER ROLE ${ident(r.name)} SET ${k} TO ${setting(k, v)}`);
    return out;
  }
  const out: string[] = [];
  const attrs = [...c.flags, ...(c.password !== undefined ? [`PASSWORD ${literal(verifier(c.name, c.password))}`] : [])];
  if (attrs.length) out.push(`ALTER ROLE ${ident(c.name)} ${attrs.join(' ')}`);
  if (c.grant.length) out.push(`GRANT ${c.grant.map(ident).join(', ')} TO ${ident(c.name)}`);
  if (c.parameters) {
    out.push(`ALTER ROLE ${ident(c.name)} RESET ALL`);
    for (const [k, v] of Object.entries(c.parameters)) out.push(`ALTER ROLE ${ident(c.name)} SET ${k} TO ${setting(k, v)}`);
  }
  return out;
}

/** Roles named by a change, for events ("role x: …") */
export const changeTarget = (c: RoleChange) => (c.op === 'create' ? c.role.name : c.op === 'alter' ? c.name : c.from);
