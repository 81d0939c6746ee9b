// The acid.zalan.do/v1 `postgresql` resource as zpg reads it: v2.0.1 fields
// plus the v1.15.1 spellings v2 dropped (normalize.ts folds those in). Fields
// the builders do not interpret stay `unknown` and pass through untouched.

export type StrMap = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: StrMap;
  annotations?: StrMap;
  ownerReferences?: Record<string, unknown>[];
  finalizers?: string[];
}

export interface ResourceList {
  cpu?: string;
  memory?: string;
  'hugepages-2Mi'?: string;
  'hugepages-1Gi'?: string;
}

export interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface CloneSpec {
  cluster?: string;
  uid?: string;
  timestamp?: string;
  s3_wal_path?: string;
  s3_endpoint?: string;
  s3_access_key_id?: string;
  s3_secret_access_key?: string;
  s3_force_path_style?: boolean;
}

export interface StandbySpec {
  s3_wal_path?: string;
  gs_wal_path?: string;
  standby_host?: string;
  standby_port?: string;
  standby_primary_slot_name?: string;
}

export interface TlsSpec {
  secretName?: string;
  certificateFile?: string;
  privateKeyFile?: string;
  caFile?: string;
  caSecretName?: string;
}

export interface AdditionalVolume {
  name: string;
  mountPath: string;
  subPath?: string;
  isSubPathExpr?: boolean;
  targetContainers?: string[] | null;
  volumeSource: Record<string, unknown>;
}

export interface Sidecar {
  name?: string;
  image?: string;
  ports?: unknown[];
  env?: EnvVar[];
  command?: string[];
  args?: string[];
  resources?: Resources;
  [k: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface PatroniSpec {
  initdb?: StrMap;
  pg_hba?: string[];
  ttl?: number;
  loop_wait?: number;
  retry_timeout?: number;
  maximum_lag_on_failover?: number;
  slots?: Record<string, StrMap>;
  synchronous_mode?: boolean;
  synchronous_mode_strict?: boolean;
  synchronous_node_count?: number;
  failsafe_mode?: boolean;
}

export interface PostgresqlSpec {
  teamId?: string;
  numberOfInstances?: number;
  dockerImage?: string;
  schedulerName?: string;
  spiloRunAsUser?: number;
  spiloRunAsGroup?: number;
  spiloFSGroup?: number;
  podPriorityClassName?: string;
  podAnnotations?: StrMap;
  serviceAnnotations?: StrMap;
  masterServiceAnnotations?: StrMap;
  replicaServiceAnnotations?: StrMap;
  maintenanceWindows?: string[];
  postgresql?: { version?: string; parameters?: StrMap };
  patroni?: PatroniSpec;
  volume?: {
    size?: string;
    storageClass?: string;
    selector?: Record<string, unknown>;
    subPath?: string;
    isSubPathExpr?: boolean;
    iops?: number;
    throughput?: number;
    type?: string;
  };
  additionalVolumes?: AdditionalVolume[];
  enableShmVolume?: boolean;
  resources?: Resources;
  users?: Record<string, string[] | null>;
  usersWithSecretRotation?: string[] | null;
  usersWithInPlaceSecretRotation?: string[] | null;
  usersIgnoringSecretRotation?: string[] | null;
  databases?: StrMap;
  preparedDatabases?: Record<string, PreparedDatabase | null>;
  enableMasterLoadBalancer?: boolean;
  enableReplicaLoadBalancer?: boolean;
  enableMasterNodePort?: boolean;
  enableReplicaNodePort?: boolean;
  masterNodePort?: number;
  replicaNodePort?: number;
  allowedSourceRanges?: string[] | null;
  enableConnectionPooler?: boolean;
  enableReplicaConnectionPooler?: boolean;
  connectionPooler?: Record<string, unknown>;
  tolerations?: Record<string, unknown>[];
  nodeAffinity?: Record<string, unknown>;
  topologySpreadConstraints?: Record<string, unknown>[];
  livenessProbe?: Record<string, unknown>;
  sidecars?: Sidecar[];
  initContainers?: Record<string, unknown>[];
  env?: EnvVar[];
  envFrom?: Record<string, unknown>[];
  enableLogicalBackup?: boolean;
  logicalBackupSchedule?: string;
  logicalBackupRetention?: string;
  clone?: CloneSpec;
  standby?: StandbySpec;
  tls?: TlsSpec;
  streams?: unknown[];
  // v1.15.1 spellings, folded into the v2 fields by normalize()
  useLoadBalancer?: boolean;
  replicaLoadBalancer?: boolean;
  init_containers?: Record<string, unknown>[];
  pod_priority_class_name?: string;
}

export interface PreparedDatabase {
  defaultUsers?: boolean;
  extensions?: StrMap;
  schemas?: Record<string, { defaultRoles?: boolean; defaultUsers?: boolean } | null>;
  secretNamespace?: string;
}

export interface PostgresqlStatus {
  PostgresClusterStatus?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  [k: string]: unknown;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface Postgresql {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: PostgresqlSpec;
  status?: PostgresqlStatus | string;
}

/** Zalando's status words (pkg/apis/acid.zalan.do/v1/const.go) */
export const ClusterStatus = {
  Unknown: '',
  Creating: 'Creating',
  Updating: 'Updating',
  UpdateFailed: 'UpdateFailed',
  SyncFailed: 'SyncFailed',
  CreateFailed: 'CreateFailed',
  Running: 'Running',
  Invalid: 'Invalid',
} as const;
