// The fleet's series on /metrics: one set per cluster (labels namespace,
// cluster) and per member (plus member). deploy/prometheus-rule.yaml alerts on
// these names; test/integration/metrics-fleet.test.ts checks that every name
// the rules use is one exported here.
import type { BackupHealthRow } from './metrics-backups.ts';
import type { ClusterHealthRow } from './metrics-clusters.ts';

type Labels = Record<string, string>;
export type GaugeFn = (name: string, help: string, labelNames: string[], collect: () => Iterable<[Labels, number]>) => unknown;

const CL = ['namespace', 'cluster'];
const MB = ['namespace', 'cluster', 'member'];
const b = (v: boolean) => (v ? 1 : 0);

export function registerFleetGauges(gauge: GaugeFn, clusters: () => ClusterHealthRow[], backups: () => BackupHealthRow[], now: () => number = Date.now): void {
  const per = (pick: (r: ClusterHealthRow) => number | undefined, onlyObserved = true) => function* (): Iterable<[Labels, number]> {
    for (const r of clusters()) {
      if (onlyObserved && !r.observed) continue;
      const v = pick(r);
      if (v !== undefined) yield [{ namespace: r.namespace, cluster: r.cluster }, v];
    }
  };
  const perMember = (pick: (r: ClusterHealthRow, m: ClusterHealthRow['members'][number]) => number | undefined) => function* (): Iterable<[Labels, number]> {
    for (const r of clusters()) {
      for (const m of r.members) {
        const v = pick(r, m);
        if (v !== undefined) yield [{ namespace: r.namespace, cluster: r.cluster, member: m.member }, v];
      }
    }
  };
  gauge('zpg_cluster_members_expected', 'members the manifest asks for (numberOfInstances)', CL, per((r) => r.expected, false));
  gauge('zpg_cluster_members_up', 'members Patroni reports running (the leader) or following it (replicas)', CL, per((r) => r.membersUp));
  gauge('zpg_cluster_leader_present', '1 when Patroni reports a running leader', CL, per((r) => b(r.leaderPresent)));
  gauge('zpg_cluster_timeline', "the leader's timeline", CL, per((r) => r.timeline));
  gauge('zpg_cluster_paused', "1 when Patroni's maintenance mode is on (patronictl pause)", CL, per((r) => b(r.paused)));
  gauge('zpg_cluster_rollout_in_progress', '1 while a pod carries the rolling-update mark', CL, per((r) => b(r.rolling), false));
  gauge('zpg_cluster_patroni_reachable', '1 when a member answered the last read of Patroni', CL, per((r) => b(r.reachable)));
  gauge('zpg_cluster_observed_timestamp_seconds', "when Patroni's cluster view was last read (unix seconds)", CL, per((r) => r.observedAt));
  gauge('zpg_member_up', '1 when the member runs (leader) or follows its leader (replica)', MB, perMember((_r, m) => b(m.up)));
  gauge('zpg_member_leader', '1 for the member Patroni reports as leader', MB, perMember((_r, m) => b(m.leader)));
  gauge('zpg_member_replication_lag_bytes', "a replica's replication lag as Patroni reports it (absent when unknown)", MB, perMember((_r, m) => m.lagBytes));
  gauge('zpg_member_timeline', "the member's timeline", MB, perMember((_r, m) => m.timeline));

  const backup = (pick: (r: BackupHealthRow, nowS: number) => number | undefined) => function* (): Iterable<[Labels, number]> {
    const nowS = now() / 1000;
    for (const r of backups()) {
      const v = pick(r, nowS);
      if (v !== undefined) yield [{ namespace: r.namespace, cluster: r.cluster }, v];
    }
  };
  const age = (t: number | undefined, nowS: number) => (t === undefined ? undefined : Math.max(0, nowS - t));
  gauge('zpg_backup_catalog_up', '1 when the last read of the S3 backup catalog succeeded', CL, backup((r) => b(r.up)));
  gauge('zpg_backup_base_count', 'base backups in the WAL bucket', CL, backup((r) => r.baseBackups));
  gauge('zpg_backup_base_last_age_seconds', 'age of the newest base backup (since it finished)', CL, backup((r, n) => age(r.lastBase, n)));
  gauge('zpg_backup_logical_last_age_seconds', 'age of the newest logical backup', CL, backup((r, n) => age(r.lastLogical, n)));
  gauge('zpg_backup_wal_archive_lag_seconds', 'now minus the upload time of the newest archived WAL segment', CL, backup((r, n) => age(r.lastArchived, n)));
  gauge('zpg_backup_restorable_window_end_timestamp_seconds', 'the newest time a point-in-time restore can reach (unix seconds)', CL, backup((r) => r.windowEnd));
}
