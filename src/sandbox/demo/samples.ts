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

/** The demo's S3 server, where its clusters keep their backups. */
export interface DemoBackupStore {
  endpoint: string;
  bucket: string;
}

/** The Secret with the demo S3's keys, in the clusters' namespace: pods and zpg read it, nothing prints it. */
export const S3_SECRET = 'zpg-demo-s3';

/**
 * Zalando's backup keys: wal_s3_bucket makes the operator send WAL_S3_BUCKET (and the uid suffix) to every
 * pod; the logical_backup_s3_* keys name the same store with its endpoint, and the CronJob's environment
 * Secret holds its keys. The WAL endpoint and keys reach the pods through each manifest's spec.env (below).
 */
export function backupConfig(store: DemoBackupStore): Record<string, string> {
  return {
    wal_s3_bucket: store.bucket,
    logical_backup_s3_bucket: store.bucket,
    logical_backup_s3_endpoint: store.endpoint,
    logical_backup_s3_region: 'us-east-1',
    logical_backup_s3_sse: '',
    logical_backup_cronjob_environment_secret: S3_SECRET,
  };
}

export function s3Secret(namespace = CLUSTER_NAMESPACE): Record<string, unknown> {
  // s3rver's own fixed key pair: not a secret anywhere, but kept where a real one would be.
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: S3_SECRET, namespace }, type: 'Opaque', stringData: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } };
}

/** What Spilo needs for an S3-compatible store (pod_environment_configmap's usual content), as spec.env. */
export function backupEnv(store: DemoBackupStore): Record<string, unknown>[] {
  const key = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: S3_SECRET, key: name } } });
  return [
    { name: 'AWS_ENDPOINT', value: store.endpoint },
    { name: 'AWS_REGION', value: 'us-east-1' },
    { name: 'AWS_S3_FORCE_PATH_STYLE', value: 'true' },
    key('AWS_ACCESS_KEY_ID'),
    key('AWS_SECRET_ACCESS_KEY'),
  ];
}

export function operatorConfigMap(store?: DemoBackupStore): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG_MAP_NAME, namespace: OPERATOR_NAMESPACE }, data: { ...OPERATOR_CONFIG, ...(store ? backupConfig(store) : {}) } };
}

export function clusterManifest(c: SampleCluster, namespace = CLUSTER_NAMESPACE, store?: DemoBackupStore): Record<string, unknown> {
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
      ...(store ? { env: backupEnv(store) } : {}),
    },
  };
}
