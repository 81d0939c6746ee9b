// What the demo shows and waits for: each postgresql with its pods, read from
// the API's store, and Patroni's own view from the members' REST APIs (the
// cluster, and the leader's pg_stat_replication for who really streams).
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { summarizeCluster, type ClusterRow, type PodLike, type PostgresqlLike } from '../../services/clusters/summary.ts';
import { PatroniClient, httpTransport } from '../../services/patroni/client.ts';
import { isLeaderRole, type ClusterMember } from '../../services/patroni/types.ts';

const CLUSTER_LABEL = 'cluster-name';
const ROLE_LABEL = 'spilo-role';
const PATRONI_TIMEOUT_MS = 1_500;

export interface DemoCluster {
  row: ClusterRow;
  /** pods labelled spilo-role=master: exactly one when the cluster is well */
  masters: number;
  /** replicas in the leader's pg_stat_replication with state streaming */
  streaming: Set<string>;
  statefulSet: boolean;
  /** running as it should: every member ready, one leader, every replica streaming, the operator says Running */
  ready: boolean;
}

export class ClusterObserver {
  private readonly registry: Registry;
  private readonly members: boolean;
  private readonly types: { pg: ResourceType; pods: ResourceType; sts: ResourceType };

  /** members: false with --no-pods, where nothing answers on a pod address */
  constructor(registry: Registry, opts: { members: boolean }) {
    this.registry = registry;
    this.members = opts.members;
    this.types = {
      pg: registry.catalog.get('acid.zalan.do/v1', 'postgresqls')!,
      pods: registry.catalog.get('v1', 'pods')!,
      sts: registry.catalog.get('apps/v1', 'statefulsets')!,
    };
  }

  async observe(): Promise<DemoCluster[]> {
    const pgs = this.registry.store.list(storageKey(this.types.pg));
    const pods = this.registry.store.list(storageKey(this.types.pods)).filter((p) => p.metadata.labels?.[CLUSTER_LABEL]);
    const rows = pgs
      .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`))
      .map((pg) => this.one(pg, pods.filter((p) => p.metadata.namespace === pg.metadata.namespace && p.metadata.labels?.[CLUSTER_LABEL] === pg.metadata.name)));
    return Promise.all(rows);
  }

  private async one(pg: KubeObject, pods: KubeObject[]): Promise<DemoCluster> {
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const { members, streaming } = this.members ? await patroniView(live) : { members: undefined, streaming: new Set<string>() };
    const row = summarizeCluster(pg as PostgresqlLike, live as PodLike[], members, ROLE_LABEL);
    const masters = live.filter((p) => p.metadata.labels?.[ROLE_LABEL] === 'master').length;
    const statefulSet = this.registry.find(this.types.sts, pg.metadata.namespace, pg.metadata.name!) !== undefined;
    const replicas = row.members.filter((m) => !isLeaderRole(m.role));
    const ready = this.members
      ? row.wanted > 0 &&
        row.total === row.wanted &&
        row.ready === row.wanted &&
        row.health === 'Healthy' &&
        masters === 1 &&
        row.members.every((m) => m.source === 'patroni') &&
        replicas.every((m) => streaming.has(m.name)) &&
        row.operatorStatus === 'Running'
      : statefulSet && row.total === row.wanted;
    return { row, masters, streaming, statefulSet, ready };
  }
}

/** Patroni's /cluster from a member (the labelled leader first), and the leader's replication list. */
async function patroniView(pods: KubeObject[]): Promise<{ members?: ClusterMember[]; streaming: Set<string> }> {
  const ip = (p: KubeObject) => (p.status as { podIP?: string } | undefined)?.podIP;
  const order = [...pods].sort((a, b) => Number(b.metadata.labels?.[ROLE_LABEL] === 'master') - Number(a.metadata.labels?.[ROLE_LABEL] === 'master'));
  for (const pod of order) {
    const host = ip(pod);
    if (!host) continue;
    try {
      const view = await client(host).cluster();
      const leader = view.members.find((m) => isLeaderRole(m.role));
      const streaming = new Set<string>();
      if (leader?.host) {
        const status = await client(leader.host).member().catch(() => undefined);
        for (const r of status?.replication ?? []) if (r.state === 'streaming') streaming.add(r.applicationName);
      }
      return { members: view.members, streaming };
    } catch {
      // that member does not answer (starting, stopping): ask the next
    }
  }
  return { streaming: new Set() };
}

const client = (host: string) => new PatroniClient(httpTransport(`http://${host}:8008`), PATRONI_TIMEOUT_MS);
