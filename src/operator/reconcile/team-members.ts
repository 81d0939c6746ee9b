// Human users from PostgresTeam objects (enable_postgres_team_crd), as Zalando's
// initHumanUsers builds them with the team API off: members come only from
// additionalMembers. The cluster's team, the teams it lists in additionalTeams
// (transitively) and the superuser teams (additionalSuperuserTeams when
// enable_postgres_team_crd_superusers, plus postgres_superuser_teams) each
// contribute their additionalMembers. Pure.
import type { RoleSpec } from './roles.ts';

export interface PostgresTeamSpec {
  additionalSuperuserTeams?: Record<string, string[] | null> | null;
  additionalTeams?: Record<string, string[] | null> | null;
  additionalMembers?: Record<string, string[] | null> | null;
}

type Field = 'additionalSuperuserTeams' | 'additionalTeams' | 'additionalMembers';
/** team → unique names, merged over every PostgresTeam object */
export type TeamMap = Record<Field, Map<string, string[]>>;

export function teamMap(teams: PostgresTeamSpec[]): TeamMap {
  const out: TeamMap = { additionalSuperuserTeams: new Map(), additionalTeams: new Map(), additionalMembers: new Map() };
  for (const t of teams) {
    for (const f of Object.keys(out) as Field[]) {
      for (const [team, names] of Object.entries(t[f] ?? {})) {
        const had = out[f].get(team) ?? [];
        out[f].set(team, [...new Set([...had, ...(names ?? [])])]);
      }
    }
  }
  return out;
}

/** Zalando's fetchAdditionalTeams with transitive=true: teams listed for `team`, and theirs, never `team` itself */
function additional(m: TeamMap, field: 'additionalSuperuserTeams' | 'additionalTeams', team: string, exclude: string[] = []): string[] {
  const teams = [...(m[field].get(team) ?? [])];
  const ex = [...exclude, team];
  for (const t of [...teams]) {
    if (ex.includes(t)) continue;
    for (const tt of additional(m, field, t, ex)) if (!ex.includes(tt) && !teams.includes(tt)) teams.push(tt);
  }
  return teams;
}

export interface TeamConfig {
  enable_postgres_team_crd_superusers: boolean;
  postgres_superuser_teams: string[];
  enable_team_superuser: boolean;
  pam_role_name: string;
  team_admin_role: string;
  team_api_role_configuration: Record<string, string>;
}

/** The team members' roles for a cluster of `teamId`: LOGIN, in pam_role_name, and SUPERUSER or in team_admin_role. */
export function teamMemberRoles(m: TeamMap, teamId: string, config: TeamConfig): RoleSpec[] {
  const out = new Map<string, RoleSpec>();
  const members = (team: string) => m.additionalMembers.get(team) ?? [];
  const add = (team: string, superuser: boolean) => {
    for (const name of members(team)) {
      if (out.has(name)) continue; // the first team that names a member decides, as in Zalando's pgUsers map
      const su = superuser || (config.enable_team_superuser && team === teamId);
      out.set(name, {
        name,
        origin: 'team',
        flags: su ? ['LOGIN', 'SUPERUSER'] : ['LOGIN'],
        memberOf: [config.pam_role_name, ...(!su && config.team_admin_role ? [config.team_admin_role] : [])].filter(Boolean),
        parameters: Object.keys(config.team_api_role_configuration).length ? { ...config.team_api_role_configuration } : undefined,
      });
    }
  };
  const superTeams = config.enable_postgres_team_crd_superusers ? additional(m, 'additionalSuperuserTeams', teamId) : [];
  for (const t of config.postgres_superuser_teams) if (!superTeams.includes(t)) superTeams.push(t);
  for (const t of superTeams) add(t, true);
  for (const t of additional(m, 'additionalTeams', teamId)) if (!superTeams.includes(t)) add(t, false);
  if (!superTeams.includes(teamId)) add(teamId, false);
  return [...out.values()];
}

/**
 * The teams whose clusters may see other member roles after a change to the `changed` PostgresTeam objects (each as
 * it was and as it is): the teams they name as keys, every team that lists one of those (transitively) in
 * additionalTeams or additionalSuperuserTeams, or every team at all when a superuser team is among them.
 */
export function teamsAffected(changed: PostgresTeamSpec[], all: PostgresTeamSpec[], superuserTeams: string[]): { all: boolean; teams: Set<string> } {
  const teams = new Set<string>();
  for (const t of changed) for (const f of ['additionalSuperuserTeams', 'additionalTeams', 'additionalMembers'] as const) for (const team of Object.keys(t[f] ?? {})) teams.add(team);
  const m = teamMap(all);
  for (let grew = true; grew; ) {
    grew = false;
    for (const field of [m.additionalTeams, m.additionalSuperuserTeams]) {
      for (const [team, listed] of field) {
        if (!teams.has(team) && listed.some((l) => teams.has(l))) grew = teams.add(team) !== undefined;
      }
    }
  }
  return { all: superuserTeams.some((t) => teams.has(t)), teams };
}
