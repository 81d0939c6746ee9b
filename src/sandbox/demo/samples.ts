// What the demo puts into its sandbox: the operator's ConfigMap and two small
// Zalando-style clusters. Patroni's timings are loopback-sized (a failover in
// about ttl + loop_wait seconds, not Spilo's 30 + 10), and PostgreSQL gets
// demo-sized memory, so eight members stay well under a gigabyte.

export const OPERATOR_NAMESPACE = 'zpg-system';
export const CONFIG_MAP_NAME = 'postgres-operator';
export const CLUSTER_NAMESPACE = 'default';

/** Zalando's keys; the rest keep their defaults. */
export const OPERATOR_CONFIG: Record<string, string> = {
  kubernetes_use_configmaps: 'true',
  // Never pulled: the sandbox kubelet runs Debian's Patroni and PostgreSQL 15 instead of an image.
  docker_image: 'zpg.local/sandbox-spilo:15',
  resync_period: '5m',
  enable_master_load_balancer: 'false',
  enable_teams_api: 'false',
  // All members start at once: Patroni decides who bootstraps, and the demo is ready sooner.
  pod_management_policy: 'parallel',
};

export interface SampleCluster {
  name: string;
  instances: number;
}

export const SAMPLE_CLUSTERS: SampleCluster[] = [
  { name: 'acid-demo', instances: 3 },
  { name: 'acid-small', instances: 2 },
];

export function operatorConfigMap(): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP_NAME, namespace: OPERATOR_NAMESPACE }, data: OPERATOR_CONFIG };
}

export function clusterManifest(c: SampleCluster, namespace = CLUSTER_NAMESPACE): Record<string, unknown> {
  return {
    apiVersion: 'acid.zalan.do/v1',
    kind: 'postgresql',
    metadata: { name: c.name, namespace },
    spec: {
      teamId: 'acid',
      numberOfInstances: c.instances,
      volume: { size: '1Gi' },
      users: { zalando: ['superuser', 'createdb'] },
      databases: { foo: 'zalando' },
      postgresql: { version: '15', parameters: { shared_buffers: '16MB', max_connections: '40' } },
      patroni: { ttl: 8, loop_wait: 2, retry_timeout: 3 },
    },
  };
}
