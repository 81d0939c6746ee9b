// PostgresTeam objects, watched while enable_postgres_team_crd is on (in the
// watched namespace, as Zalando's informer). The sync reads the teams from here
// instead of listing them, and a change requeues the clusters of the teams it
// touches at once instead of at the next resync. Its own informer, not one of
// the cluster caches: a missing PostgresTeam CRD must not hold up the start.
import * as k8s from '@kubernetes/client-node';
import { ResilientInformer } from '../../services/kube/informer.ts';
import { teamsAffected, type PostgresTeamSpec } from '../reconcile/team-members.ts';
import { describe } from './cache.ts';
import { collectionPath, POSTGRES_TEAM } from './kinds.ts';

export interface TeamWatchOptions {
  namespace?: string;
  /** postgres_superuser_teams: a change to one of them concerns every cluster */
  superuserTeams: () => string[];
  /** after the first list: the teams whose clusters to requeue, or all of them */
  onChange: (affected: { all: boolean; teams: Set<string> }) => void;
  onError?: (message: string) => void;
  restartDelayMs?: number;
}

type TeamObject = k8s.KubernetesObject & { spec?: PostgresTeamSpec };

export class TeamWatch {
  private readonly informer: ResilientInformer<TeamObject>;
  /** each object's spec as last seen, so an update knows the teams it named before */
  private readonly last = new Map<string, PostgresTeamSpec>();
  private listed = false;

  constructor(kc: k8s.KubeConfig, opts: TeamWatchOptions) {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.informer = new ResilientInformer<TeamObject>(kc, {
      path: collectionPath(POSTGRES_TEAM, opts.namespace),
      // a missing CRD is a setup fault that a second does not cure: retried less eagerly than the cluster caches
      restartDelayMs: opts.restartDelayMs ?? 10_000,
      list: () => objects.list(POSTGRES_TEAM.apiVersion, POSTGRES_TEAM.kind, opts.namespace) as Promise<k8s.KubernetesListObject<TeamObject>>,
      onError: (err, path, retryMs) => {
        const missingCrd = err instanceof k8s.ApiException && err.code === 404;
        const why = missingCrd ? 'HTTP 404: the PostgresTeam CRD is not installed; kubectl apply -f deploy/crds/postgresteam.yaml, or set enable_postgres_team_crd to false' : describe(err);
        opts.onError?.(`watch ${path} failed (${why}); retrying in ${retryMs} ms`);
      },
    });
    void this.informer.synced.then(() => (this.listed = true));
    const seen = (obj: TeamObject, gone: boolean) => {
      const key = `${obj.metadata?.namespace}/${obj.metadata?.name}`;
      const before = this.last.get(key);
      if (gone) this.last.delete(key);
      else this.last.set(key, obj.spec ?? {});
      // The first list's objects reach clusters through the reconcile that follows every start.
      if (!this.listed) return;
      const affected = teamsAffected([before ?? {}, gone ? {} : (obj.spec ?? {})], this.teams() ?? [], opts.superuserTeams());
      if (affected.all || affected.teams.size) opts.onChange(affected);
    };
    this.informer.on('add', (o) => seen(o, false));
    this.informer.on('update', (o) => seen(o, false));
    this.informer.on('delete', (o) => seen(o, true));
  }

  start(): void {
    void this.informer.start().catch(() => undefined); // failures reach onError and are retried there
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /** every PostgresTeam's spec, once the first list has answered (until then: undefined, read them elsewhere) */
  teams(): PostgresTeamSpec[] | undefined {
    if (!this.listed) return undefined;
    return this.informer.list().map((t) => t.spec ?? {});
  }
}
