// Every operator configuration key zpg understands, with its type and the
// default Zalando's code uses when the key is absent. One table: the ConfigMap
// reader, the OperatorConfiguration reader and the OperatorConfig type all
// derive from it, so a key cannot be known to one and not the others.

export type KeyKind = 'str' | 'int' | 'bool' | 'dur' | 'list' | 'map' | 'json';

interface Key<K extends KeyKind, V> {
  kind: K;
  def: V;
}
const str = (def = ''): Key<'str', string> => ({ kind: 'str', def });
const int = (def: number): Key<'int', number> => ({ kind: 'int', def });
const bool = (def: boolean): Key<'bool', boolean> => ({ kind: 'bool', def });
/** Go duration syntax in the ConfigMap ("30m"); milliseconds here */
const dur = (def: string): Key<'dur', string> => ({ kind: 'dur', def });
const list = (...def: string[]): Key<'list', string[]> => ({ kind: 'list', def });
const map = (def: Record<string, string> = {}): Key<'map', Record<string, string>> => ({ kind: 'map', def });
const json = (): Key<'json', unknown> => ({ kind: 'json', def: undefined });

export const KEYS = {
  docker_image: str('ghcr.io/zalando/spilo-18:4.1-p2'),
  workers: int(8),
  resync_period: dur('30m'),
  repair_period: dur('5m'),
  watched_namespace: str(),
  enable_crd_registration: bool(true),
  enable_lazy_spilo_upgrade: bool(false),
  enable_pgversion_env_var: bool(true),
  enable_spilo_wal_path_compat: bool(false),
  enable_shm_volume: bool(true),
  enable_team_id_clustername_prefix: bool(false),
  etcd_host: str(),
  kubernetes_use_configmaps: bool(true),
  min_instances: int(-1),
  max_instances: int(-1),
  ignore_instance_limits_annotation_key: str(),
  ignore_resources_limits_annotation_key: str(),
  set_memory_request_to_limit: bool(false),
  sidecars: json(),
  sidecar_docker_images: map(),
  enable_maintenance_windows: bool(true),
  maintenance_windows: list(),
  /** zpg: how many clusters may be in a rolling update at once (0 = no limit) */
  max_concurrent_rolling_updates: int(4),
  // users
  super_username: str('postgres'),
  replication_username: str('standby'),
  additional_owner_roles: list(),
  enable_password_rotation: bool(false),
  password_rotation_interval: int(90),
  password_rotation_user_retention: int(180),
  // major version upgrade
  major_version_upgrade_mode: str('manual'),
  major_version_upgrade_team_allow_list: list(),
  minimal_major_version: str('14'),
  target_major_version: str('18'),
  // kubernetes
  cluster_domain: str('cluster.local'),
  cluster_labels: map({ application: 'spilo' }),
  cluster_name_label: str('cluster-name'),
  pod_role_label: str('spilo-role'),
  inherited_labels: list(),
  inherited_annotations: list(),
  ignored_annotations: list(),
  downscaler_annotations: list(),
  custom_pod_annotations: map(),
  additional_pod_capabilities: list(),
  delete_annotation_date_key: str(),
  delete_annotation_name_key: str(),
  enable_cross_namespace_secret: bool(false),
  enable_finalizers: bool(false),
  enable_init_containers: bool(true),
  enable_owner_references: bool(false),
  // Zalando defaults to true; zpg deletes volumes only when the configuration says so.
  enable_persistent_volume_claim_deletion: bool(false),
  enable_pod_antiaffinity: bool(false),
  pod_antiaffinity_preferred_during_scheduling: bool(false),
  pod_antiaffinity_topology_key: str('kubernetes.io/hostname'),
  enable_pod_disruption_budget: bool(true),
  enable_readiness_probe: bool(false),
  enable_secrets_deletion: bool(true),
  enable_sidecars: bool(true),
  share_pgsocket_with_sidecars: bool(false),
  liveness_probe: json(),
  master_pod_move_timeout: dur('20m'),
  node_readiness_label: map(),
  node_readiness_label_merge: str('OR'),
  oauth_token_secret_name: str('postgresql-operator'),
  pdb_master_label_selector: bool(true),
  pdb_name_format: str('postgres-{cluster}-pdb'),
  persistent_volume_claim_retention_policy: map({ when_deleted: 'retain', when_scaled: 'retain' }),
  pod_environment_configmap: str(),
  pod_environment_secret: str(),
  pod_management_policy: str('ordered_ready'),
  pod_priority_class_name: str(),
  pod_service_account_name: str('postgres-pod'),
  pod_service_account_definition: str(),
  pod_service_account_role_binding_definition: str(),
  pod_terminate_grace_period: dur('5m'),
  secret_name_template: str('{username}.{cluster}.credentials.{tprkind}.{tprgroup}'),
  spilo_allow_privilege_escalation: bool(true),
  spilo_privileged: bool(false),
  spilo_runasuser: int(-1),
  spilo_runasgroup: int(-1),
  spilo_fsgroup: int(-1),
  storage_resize_mode: str('pvc'),
  toleration: map(),
  additional_secret_mount: str(),
  additional_secret_mount_path: str('/meta/credentials'),
  infrastructure_roles_secret_name: str(),
  infrastructure_roles_secrets: json(),
  // postgres pod resources ("" = none)
  default_cpu_request: str(),
  default_memory_request: str(),
  default_cpu_limit: str(),
  default_memory_limit: str(),
  min_cpu_limit: str(),
  min_memory_limit: str(),
  max_cpu_request: str(),
  max_memory_request: str(),
  // timeouts
  patroni_api_check_interval: dur('1s'),
  patroni_api_check_timeout: dur('5s'),
  pod_label_wait_timeout: dur('10m'),
  pod_deletion_wait_timeout: dur('10m'),
  ready_wait_interval: dur('4s'),
  ready_wait_timeout: dur('30s'),
  resource_check_interval: dur('3s'),
  resource_check_timeout: dur('10m'),
  // load balancers
  custom_service_annotations: map(),
  db_hosted_zone: str('db.example.com'),
  enable_master_load_balancer: bool(true),
  enable_replica_load_balancer: bool(false),
  enable_master_pooler_load_balancer: bool(false),
  enable_replica_pooler_load_balancer: bool(false),
  enable_master_node_port: bool(false),
  enable_replica_node_port: bool(false),
  external_traffic_policy: str('Cluster'),
  master_dns_name_format: str('{cluster}.{namespace}.{hostedzone}'),
  master_legacy_dns_name_format: str('{cluster}.{team}.{hostedzone}'),
  replica_dns_name_format: str('{cluster}-repl.{namespace}.{hostedzone}'),
  replica_legacy_dns_name_format: str('{cluster}-repl.{team}.{hostedzone}'),
  // aws or gcp
  aws_region: str('eu-central-1'),
  gcp_credentials: str(),
  kube_iam_role: str(),
  irsa_role_arn: str(),
  log_s3_bucket: str(),
  wal_az_storage_account: str(),
  wal_gs_bucket: str(),
  wal_s3_bucket: str(),
  // logical backup
  logical_backup_docker_image: str('ghcr.io/zalando/postgres-operator/logical-backup:v2.0.1'),
  logical_backup_job_prefix: str('logical-backup-'),
  logical_backup_provider: str('s3'),
  logical_backup_schedule: str('30 00 * * *'),
  logical_backup_s3_bucket: str(),
  logical_backup_s3_bucket_prefix: str('spilo'),
  logical_backup_s3_region: str(),
  logical_backup_s3_endpoint: str(),
  logical_backup_s3_sse: str(),
  logical_backup_s3_retention_time: str(),
  logical_backup_s3_access_key_id: str(),
  logical_backup_s3_secret_access_key: str(),
  logical_backup_google_application_credentials: str(),
  logical_backup_azure_storage_account_name: str(),
  logical_backup_azure_storage_container: str(),
  logical_backup_azure_storage_account_key: str(),
  logical_backup_cpu_request: str(),
  logical_backup_cpu_limit: str(),
  logical_backup_memory_request: str(),
  logical_backup_memory_limit: str(),
  logical_backup_cronjob_environment_secret: str(),
  logical_backup_successful_jobs_history_limit: int(3),
  logical_backup_failed_jobs_history_limit: int(3),
  logical_backup_ttl_seconds_after_finished: int(86400),
  // debug, teams, api
  debug_logging: bool(true),
  enable_database_access: bool(true),
  enable_teams_api: bool(true),
  enable_team_superuser: bool(false),
  enable_team_member_deprecation: bool(false),
  enable_admin_role_for_users: bool(true),
  enable_postgres_team_crd: bool(false),
  enable_postgres_team_crd_superusers: bool(false),
  teams_api_url: str('https://teams.example.com/api/'),
  team_admin_role: str('admin'),
  team_api_role_configuration: map({ log_statement: 'all' }),
  pam_role_name: str('zalandos'),
  pam_configuration: str('https://info.example.com/oauth2/tokeninfo?access_token= uid realm=/employees'),
  postgres_superuser_teams: list(),
  protected_role_names: list('admin', 'cron_admin'),
  role_deletion_suffix: str('_deleted'),
  api_port: int(8080),
  ring_log_lines: int(100),
  cluster_history_entries: int(1000),
  crd_categories: list('all'),
  // connection pooler
  connection_pooler_image: str('ghcr.io/zalando/postgres-operator/pgbouncer:v2.0.1'),
  connection_pooler_mode: str('transaction'),
  connection_pooler_number_of_instances: int(2),
  connection_pooler_max_db_connections: int(60),
  connection_pooler_schema: str('pooler'),
  connection_pooler_user: str('pooler'),
  connection_pooler_default_cpu_request: str('500m'),
  connection_pooler_default_cpu_limit: str('1'),
  connection_pooler_default_memory_request: str('100Mi'),
  connection_pooler_default_memory_limit: str('100Mi'),
  // patroni
  enable_patroni_failsafe_mode: bool(false),
} as const;

export type ConfigKey = keyof typeof KEYS;
type ValueOf<K extends KeyKind> = K extends 'str'
  ? string
  : K extends 'int'
    ? number
    : K extends 'bool'
      ? boolean
      : K extends 'dur'
        ? number
        : K extends 'list'
          ? string[]
          : K extends 'map'
            ? Record<string, string>
            : unknown;

export type OperatorConfig = { readonly [K in ConfigKey]: ValueOf<(typeof KEYS)[K]['kind']> };

/** Keys ignored on purpose: they only steer Zalando features zpg leaves out, or old spellings */
export const TOLERATED_KEYS = new Set([
  'enable_crd_validation',
  'enable_ebs_gp3_migration',
  'enable_ebs_gp3_migration_max_size',
  'scalyr_api_key',
  'scalyr_image',
  'enable_owner_references_for_pods',
  'connection_pooler_user_secret',
]);

/** The OperatorConfiguration CR groups keys under these sections */
export const CRD_GROUPS = new Set([
  'users',
  'major_version_upgrade',
  'kubernetes',
  'postgres_pod_resources',
  'timeouts',
  'load_balancer',
  'aws_or_gcp',
  'logical_backup',
  'debug',
  'teams_api',
  'logging_rest_api',
  'connection_pooler',
  'patroni',
]);

/** Where Zalando's CRD path defaults differ from its ConfigMap path (operator_config.go) */
export const CRD_PATH_DEFAULTS: Partial<Record<ConfigKey, unknown>> = {
  enable_master_load_balancer: false,
  enable_teams_api: false,
  master_pod_move_timeout: '10m',
};
