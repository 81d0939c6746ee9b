// Which clusters a PostgresTeam change concerns: the teams it names, the teams
// that list those (transitively), or every team when a superuser team moved.
// The watch requeues exactly these clusters, so a missed one would wait for the
// next resync.
import { describe, expect, it } from 'vitest';
import { teamMap, teamMemberRoles, teamsAffected, type PostgresTeamSpec, type TeamConfig } from '../../src/operator/reconcile/team-members.ts';

const sorted = (s: Set<string>) => [...s].sort();

describe('teams a PostgresTeam change concerns', () => {
  const other: PostgresTeamSpec = { additionalTeams: { acid: ['b'], x: ['acid'] }, additionalSuperuserTeams: { y: ['b'] }, additionalMembers: { unrelated: ['u'] } };

  it('the teams it names, and the teams that list them, transitively; not the unrelated ones', () => {
    const before: PostgresTeamSpec = { additionalMembers: { b: ['bob'] } };
    const after: PostgresTeamSpec = { additionalMembers: { b: ['bob', 'bea'] } };
    const r = teamsAffected([before, after], [other, after], []);
    expect(r.all).toBe(false);
    expect(sorted(r.teams)).toEqual(['acid', 'b', 'x', 'y']);
    // and each of them really sees another member list (the reason they are queued)
    const config: TeamConfig = { enable_postgres_team_crd_superusers: true, postgres_superuser_teams: [], enable_team_superuser: false, pam_role_name: 'zalandos', team_admin_role: 'admin', team_api_role_configuration: {} };
    for (const team of ['acid', 'x', 'y']) {
      const names = (specs: PostgresTeamSpec[]) => teamMemberRoles(teamMap(specs), team, config).map((m) => m.name);
      expect(names([other, after])).not.toEqual(names([other, before]));
    }
  });

  it('a team key removed altogether still counts (the object as it was)', () => {
    const r = teamsAffected([{ additionalMembers: { gone: ['g'] } }, {}], [other], []);
    expect(sorted(r.teams)).toEqual(['gone']);
  });

  it('a change to a postgres_superuser_teams team concerns every cluster', () => {
    expect(teamsAffected([{ additionalMembers: { ops: ['otto'] } }], [], ['ops']).all).toBe(true);
    expect(teamsAffected([{ additionalMembers: { dev: ['dan'] } }], [], ['ops']).all).toBe(false);
  });
});
