// The pure decisions behind roles from outside the manifest: infrastructure
// roles from Zalando's example Secrets and ConfigMap, PostgresTeam membership
// (transitive teams, superuser teams), and password rotation on a given clock.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { infrastructureRoleDefs, infrastructureRolesFrom } from '../../src/operator/reconcile/infrastructure-roles.ts';
import { expiredRotationRoles, retentionDays, rotate, rotationSuffix, type RotationUser } from '../../src/operator/reconcile/password-rotation.ts';
import { teamMap, teamMemberRoles, type TeamConfig } from '../../src/operator/reconcile/team-members.ts';

const FIXTURES = '/work/shared/fixtures/zalando';
const fixture = (f: string) => parse(readFileSync(`${FIXTURES}/${f}`, 'utf8')) as { data: Record<string, string> };
const decoded = (f: string) => Object.fromEntries(Object.entries(fixture(f).data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

describe('infrastructure roles', () => {
  it('legacy numbered Secret plus its ConfigMap (Zalando manifests/infrastructure-roles*.yaml)', () => {
    const { defs } = infrastructureRoleDefs({ infrastructure_roles_secret_name: 'postgresql-infrastructure-roles', infrastructure_roles_secrets: undefined }, 'ops');
    expect(defs).toEqual([{ namespace: 'ops', secretName: 'postgresql-infrastructure-roles', userKey: 'user', passwordKey: 'password', roleKey: 'inrole', template: true }]);
    const { roles, warnings } = infrastructureRolesFrom(defs[0]!, decoded('infrastructure-roles.yaml'), fixture('infrastructure-roles-configmap.yaml').data);
    expect(warnings).toEqual([]);
    expect(roles).toEqual([
      { name: 'robot_zmon_acid_monitoring', password: 'foobar', memberOf: ['robot_zmon'], flags: [] },
      { name: 'testuser', password: 'testpassword', memberOf: [], flags: [] },
      { name: 'batman', password: 'justice', memberOf: ['admin'], flags: ['createdb'], parameters: { log_statement: 'all' } },
    ]);
  });

  it('new format: the ConfigMap string and the CRD list, defaults for user and role, a namespace in the name', () => {
    const fromString = infrastructureRoleDefs({ infrastructure_roles_secret_name: '', infrastructure_roles_secrets: 'secretname: postgresql-infrastructure-roles-new, userkey: user, passwordkey: password, defaultrolevalue: robot_zmon' }, 'ops');
    expect(fromString.defs[0]).toMatchObject({ namespace: 'default', secretName: 'postgresql-infrastructure-roles-new', defaultRoleValue: 'robot_zmon' });
    expect(infrastructureRolesFrom(fromString.defs[0]!, decoded('infrastructure-roles-new.yaml')).roles).toEqual([{ name: 'robot_zmon_acid_monitoring_new', password: 'foobar_new', memberOf: ['robot_zmon'], flags: [] }]);
    const list = infrastructureRoleDefs({ infrastructure_roles_secret_name: '', infrastructure_roles_secrets: [{ secretname: 'mon/creds', passwordkey: 'pw', defaultuservalue: 'monitor' }, { userkey: 'u' }] }, 'ops');
    expect(list.defs).toHaveLength(1);
    expect(list.warnings).toEqual(['infrastructure_roles_secrets: an entry has no secretname and is ignored']);
    expect(infrastructureRolesFrom(list.defs[0]!, { pw: 'x' }).roles).toEqual([{ name: 'monitor', password: 'x', memberOf: [], flags: [] }]);
    // no password: ignored, said why
    expect(infrastructureRolesFrom(list.defs[0]!, {}).warnings).toEqual(['infrastructure roles Secret mon/creds: role monitor has no password and is ignored']);
  });
});

describe('PostgresTeam members', () => {
  const config: TeamConfig = { enable_postgres_team_crd_superusers: true, postgres_superuser_teams: [], enable_team_superuser: false, pam_role_name: 'zalandos', team_admin_role: 'admin', team_api_role_configuration: { log_statement: 'all' } };
  it('own team, additional teams transitively, superuser teams; members of superuser teams are SUPERUSER', () => {
    const m = teamMap([
      { additionalTeams: { acid: ['b'] }, additionalMembers: { acid: ['ann'], b: ['bob'], c: ['cat'] } },
      { additionalTeams: { b: ['c', 'acid'] }, additionalSuperuserTeams: { acid: ['ops'] }, additionalMembers: { ops: ['otto'] } },
    ]);
    const roles = teamMemberRoles(m, 'acid', config);
    expect(roles.map((r) => [r.name, r.flags, r.memberOf])).toEqual([
      ['otto', ['LOGIN', 'SUPERUSER'], ['zalandos']],
      ['bob', ['LOGIN'], ['zalandos', 'admin']],
      ['cat', ['LOGIN'], ['zalandos', 'admin']],
      ['ann', ['LOGIN'], ['zalandos', 'admin']],
    ]);
    expect(roles[0]!.parameters).toEqual({ log_statement: 'all' });
    // superuser teams from the CRD count only when enable_postgres_team_crd_superusers is on
    expect(teamMemberRoles(m, 'acid', { ...config, enable_postgres_team_crd_superusers: false }).map((r) => r.name)).toEqual(['bob', 'cat', 'ann']);
  });
});

describe('password rotation', () => {
  const config = { enable_password_rotation: false, password_rotation_interval: 90, password_rotation_user_retention: 180 };
  const user: RotationUser = { name: 'app', origin: 'manifest', dbOwner: false };
  const now = new Date('2026-12-05T10:00:00Z');
  const pw = () => 'new-password';

  it('first sync dates the next rotation; once passed, a dated role (or in place); mode switch at once', () => {
    const spec = { usersWithSecretRotation: ['app'] };
    expect(rotate(user, { username: 'app', password: 'old' }, spec, config, now, pw).secret).toEqual({ username: 'app', password: 'old', nextRotation: '2027-03-05T10:00:00Z' });
    expect(rotate(user, { username: 'app', password: 'old', nextRotation: '2027-03-05T10:00:00Z' }, spec, config, now, pw).secret).toBeUndefined();
    const due = rotate(user, { username: 'app', password: 'old', nextRotation: '2026-12-01T00:00:00Z' }, spec, config, now, pw);
    expect(due).toMatchObject({ secret: { username: 'app261205', password: 'new-password', nextRotation: '2027-03-05T10:00:00Z' }, retention: true });
    const inPlace = rotate(user, { username: 'app', password: 'old', nextRotation: '2026-12-01T00:00:00Z' }, { usersWithInPlaceSecretRotation: ['app'] }, config, now, pw);
    expect(inPlace).toMatchObject({ secret: { username: 'app', password: 'new-password' }, inPlace: true, retention: false });
    // a dated username and in-place now: back to the user at once, not at the next date
    expect(rotate(user, { username: 'app261101', password: 'x', nextRotation: '2027-03-05T10:00:00Z' }, { usersWithInPlaceSecretRotation: ['app'] }, config, now, pw).secret?.username).toBe('app');
    // a shorter interval brings the date in the Secret forward; the rotation follows once that date passes
    const short = { ...config, password_rotation_interval: 1 };
    expect(rotate(user, { username: 'app', password: 'old', nextRotation: '2027-03-05T10:00:00Z' }, spec, short, new Date('2026-12-07T00:00:00Z'), pw).secret).toEqual({ username: 'app', password: 'old', nextRotation: '2026-12-08T00:00:00Z' });
    expect(rotate(user, { username: 'app', password: 'old', nextRotation: '2026-12-08T00:00:00Z' }, spec, short, new Date('2026-12-07T12:00:00Z'), pw).secret).toBeUndefined();
    expect(rotate(user, { username: 'app', password: 'old', nextRotation: '2026-12-08T00:00:00Z' }, spec, short, new Date('2026-12-09T00:00:00Z'), pw).secret?.username).toBe('app261209');
  });

  it('global switch: manifest users but not database owners; ignoring wins; off again restores the user', () => {
    const on = { ...config, enable_password_rotation: true };
    const due = { username: 'app', password: 'old', nextRotation: '2026-12-01T00:00:00Z' };
    expect(rotate(user, due, {}, on, now, pw).secret?.username).toBe('app261205');
    expect(rotate({ ...user, dbOwner: true }, due, {}, on, now, pw).secret).toBeUndefined();
    expect(rotate({ ...user, origin: 'system' }, due, {}, on, now, pw).secret).toBeUndefined();
    // system users rotate only in place, never to a dated role
    expect(rotate({ ...user, origin: 'system' }, due, { usersWithSecretRotation: ['app'] }, config, now, pw).secret).toBeUndefined();
    expect(rotate({ ...user, origin: 'system' }, due, { usersWithInPlaceSecretRotation: ['app'] }, config, now, pw).secret?.username).toBe('app');
    expect(rotate(user, due, { usersIgnoringSecretRotation: ['app'] }, on, now, pw).secret).toBeUndefined();
    expect(rotate(user, { ...due, username: 'app261101' }, {}, config, now, pw)).toMatchObject({ secret: { username: 'app', password: 'new-password', nextRotation: '' }, retention: true });
  });

  it('rotation roles past retention (at least twice the interval) are the ones dropped', () => {
    expect(rotationSuffix(now)).toBe('261205');
    expect(retentionDays({ ...config, password_rotation_user_retention: 10 })).toBe(180);
    const roles = ['app', 'app261205', 'app260601', 'app260609', 'app250101', 'apple', 'app_x', 'app2612051'];
    expect(expiredRotationRoles('app', roles, now, 180)).toEqual(['app260601', 'app250101']);
  });
});
