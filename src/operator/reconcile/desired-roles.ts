// Every role one cluster should have, from the manifest and the configuration:
// the superuser and replication user (password only), manifest users with
// their flags, prepared-database roles, owners' additional roles, the pooler
// user, infrastructure roles and team members. Passwords come from the Secrets
// (keyed by role name). Pure.
import type { ClusterContext } from '../build/meta.ts';
import { loginUsers } from '../build/secrets.ts';
import { databaseOwners, preparedRoles, wantedDatabases } from './databases.ts';
import { mergeRoles, normalizeFlags, type RoleSpec } from './roles.ts';

export interface InfrastructureRole {
  name: string;
  password?: string;
  memberOf: string[];
  flags: string[];
  parameters?: Record<string, string>;
}

export interface RoleInputs {
  /** role name → the password in its Secret */
  passwords: ReadonlyMap<string, string>;
  /** roles PostgreSQL has now: ADMIN clauses naming a role that exists nowhere are dropped */
  existing: ReadonlySet<string>;
  infrastructure?: InfrastructureRole[];
  /** PostgresTeam members (enable_postgres_team_crd), as team-members.ts builds them */
  teamMembers?: RoleSpec[];
  /** rotation roles <user>YYMMDD holding the Secret's password (password-rotation.ts) */
  rotated?: { name: string; of: string; password: string }[];
  /** the pooler user, when a pooler is enabled */
  poolerUser?: string;
}

/** The role name of a manifest user: "ns.user" names its Secret's namespace when cross-namespace Secrets are on. */
export function roleName(c: ClusterContext, user: string): string {
  const dot = user.indexOf('.');
  return dot > 0 && c.config.enable_cross_namespace_secret ? user.slice(dot + 1) : user;
}

export function desiredRoles(c: ClusterContext, i: RoleInputs): RoleSpec[] {
  const { config } = c;
  const out: RoleSpec[] = [];
  const pw = (name: string) => i.passwords.get(name);
  const admin = config.enable_admin_role_for_users ? config.team_admin_role : undefined;
  // Spilo creates these two; the operator keeps their passwords equal to the Secrets.
  out.push({ name: config.super_username, origin: 'system', flags: [], password: pw(config.super_username), memberOf: [] });
  out.push({ name: config.replication_username, origin: 'system', flags: [], password: pw(config.replication_username), memberOf: [] });
  const skip = new Set([...config.protected_role_names, config.super_username, config.replication_username]);
  const login = new Set(loginUsers(c).map((u) => u.name));
  for (const [user, flags] of Object.entries(c.pg.spec.users ?? {})) {
    if (skip.has(user)) continue;
    const name = roleName(c, user);
    out.push({ name, origin: 'manifest', flags: normalizeFlags(flags ?? []), password: login.has(user) ? pw(user) : undefined, memberOf: [], adminRole: admin });
  }
  out.push(...preparedRoles(c, i.passwords, admin));
  const owners = databaseOwners(wantedDatabases(c));
  for (const extra of config.additional_owner_roles) {
    // Members of every database owner, so jobs run as it can act for each (Zalando: cron_admin).
    if (owners.length) out.push({ name: extra, origin: 'system', flags: [], memberOf: owners.filter((o) => o !== extra), adminRole: undefined });
  }
  for (const r of i.infrastructure ?? []) {
    if (skip.has(r.name)) continue; // Zalando: protected and system roles are never taken from elsewhere
    out.push({ name: r.name, origin: 'infrastructure', flags: normalizeFlags(r.flags), password: r.password, memberOf: r.memberOf, parameters: r.parameters });
  }
  const team = (i.teamMembers ?? []).filter((m) => !skip.has(m.name));
  out.push(...team);
  // Spilo creates the PAM and admin roles at bootstrap; a cluster without them (one not made by Spilo, the sandbox)
  // gets them here so team memberships are not silently dropped.
  for (const group of team.length ? [config.pam_role_name, config.team_admin_role] : []) {
    if (group && !i.existing.has(group)) out.push({ name: group, origin: 'system', flags: ['NOLOGIN'], memberOf: [] });
  }
  for (const r of i.rotated ?? []) {
    // A rotation role logs in with the Secret's password and acts as its user through membership.
    const base = out.find((o) => o.name === r.of);
    out.push({ name: r.name, origin: base?.origin ?? 'manifest', flags: base?.flags ?? ['LOGIN'], password: r.password, memberOf: [r.of] });
  }
  if (i.poolerUser) out.push({ name: i.poolerUser, origin: 'pooler', flags: ['LOGIN'], password: pw(i.poolerUser), memberOf: [] });
  const names = new Set([...i.existing, ...out.map((r) => r.name)]);
  return mergeRoles(out).map((r) => ({
    ...r,
    adminRole: r.adminRole && names.has(r.adminRole) ? r.adminRole : undefined,
    // a membership in a role that exists nowhere would fail the whole statement
    memberOf: r.memberOf.filter((m) => names.has(m)),
  }));
}
