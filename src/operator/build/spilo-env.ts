// The Spilo container's environment in Zalando's exact order
// (zalando-operator.md §2.4): first occurrence of a name wins, compared
// case-insensitively, except the CLONE_* and STANDBY_* blocks which Zalando
// appends as they are.
import type { EnvVar, StrMap } from '../model/types.ts';
import { fieldRef, secretName, secretRef, type ClusterContext } from './meta.ts';
import { spiloConfiguration } from './spilo-configuration.ts';
import { cloneEnv, standbyEnv } from './clone-standby-env.ts';

/** Contents the operator reads from pod_environment_secret / pod_environment_configmap */
export interface PodEnvironmentSources {
  secretName?: string;
  secretKeys?: string[];
  configMap?: StrMap;
}

export const PGROOT = '/home/postgres/pgdata/pgroot';


export function spiloEnv(c: ClusterContext, sources: PodEnvironmentSources = {}): EnvVar[] {
  const { config, pg, name } = c;
  const spec = pg.spec;
  const env: EnvVar[] = [
    { name: 'SCOPE', value: name },
    { name: 'PGROOT', value: PGROOT },
    fieldRef('POD_IP', 'status.podIP'),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    { name: 'PGUSER_SUPERUSER', value: config.super_username },
    { name: 'KUBERNETES_SCOPE_LABEL', value: config.cluster_name_label },
    { name: 'KUBERNETES_ROLE_LABEL', value: config.pod_role_label },
    secretRef('PGPASSWORD_SUPERUSER', secretName(config, config.super_username, name), 'password'),
    { name: 'PGUSER_STANDBY', value: config.replication_username },
    secretRef('PGPASSWORD_STANDBY', secretName(config, config.replication_username, name), 'password'),
  ];
  if (config.pam_configuration) env.push({ name: 'PAM_OAUTH2', value: config.pam_configuration });
  if (config.pam_role_name) env.push({ name: 'HUMAN_ROLE', value: config.pam_role_name });
  if (config.enable_spilo_wal_path_compat) env.push({ name: 'ENABLE_WAL_PATH_COMPAT', value: 'true' });
  if (config.enable_pgversion_env_var) env.push({ name: 'PGVERSION', value: String(spec.postgresql?.version ?? '') });
  env.push({ name: 'KUBERNETES_LABELS', value: goJson(config.cluster_labels) });
  env.push({ name: 'SPILO_CONFIGURATION', value: spiloConfiguration(spec, config) });
  if (config.etcd_host === '') {
    env.push({ name: 'DCS_ENABLE_KUBERNETES_API', value: 'true' });
    if (config.enable_pod_disruption_budget) env.push({ name: 'KUBERNETES_BOOTSTRAP_LABELS', value: '{"critical-operation":"true"}' });
    if (config.kubernetes_use_configmaps) env.push({ name: 'KUBERNETES_USE_CONFIGMAPS', value: 'true' });
  } else {
    env.push({ name: 'ETCD_HOST', value: config.etcd_host });
  }

  const out = dedupe(env, spec.env ?? []);
  out.push(...cloneEnv(c), ...standbyEnv(c));
  const later: EnvVar[] = [];
  if (sources.secretName) {
    for (const key of [...(sources.secretKeys ?? [])].sort()) later.push(secretRef(key, sources.secretName, key));
  }
  for (const key of Object.keys(sources.configMap ?? {}).sort()) later.push({ name: key, value: sources.configMap![key]! });
  const suffix = `/${pg.metadata.uid ?? ''}`;
  if (config.wal_s3_bucket) later.push({ name: 'WAL_S3_BUCKET', value: config.wal_s3_bucket }, ...bucketScope('WAL', suffix));
  if (config.wal_gs_bucket) later.push({ name: 'WAL_GS_BUCKET', value: config.wal_gs_bucket }, ...bucketScope('WAL', suffix));
  if (config.wal_az_storage_account) later.push({ name: 'AZURE_STORAGE_ACCOUNT', value: config.wal_az_storage_account }, ...bucketScope('WAL', suffix));
  if (config.gcp_credentials) later.push({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: config.gcp_credentials });
  if (config.log_s3_bucket) later.push({ name: 'LOG_S3_BUCKET', value: config.log_s3_bucket }, ...bucketScope('LOG', suffix));
  later.push(...tlsEnv(c));
  return dedupe(out, later);
}

const bucketScope = (kind: string, suffix: string): EnvVar[] => [
  { name: `${kind}_BUCKET_SCOPE_SUFFIX`, value: suffix },
  { name: `${kind}_BUCKET_SCOPE_PREFIX`, value: '' },
];

function tlsEnv(c: ClusterContext): EnvVar[] {
  const tls = c.pg.spec.tls;
  if (!tls?.secretName) return [];
  const under = (dir: string, file: string) => (file.startsWith('/') ? file : `${dir}/${file}`);
  const env: EnvVar[] = [
    { name: 'SSL_CERTIFICATE_FILE', value: under('/tls', tls.certificateFile || 'tls.crt') },
    { name: 'SSL_PRIVATE_KEY_FILE', value: under('/tls', tls.privateKeyFile || 'tls.key') },
  ];
  if (tls.caFile) env.push({ name: 'SSL_CA_FILE', value: under(tls.caSecretName ? '/tlsca' : '/tls', tls.caFile) });
  return env;
}

/** Appends `extra` to `base`, skipping names already present (case-insensitive), as Zalando's appendEnvVars */
export function dedupe(base: EnvVar[], extra: EnvVar[]): EnvVar[] {
  const seen = new Set(base.map((e) => e.name.toUpperCase()));
  const out = [...base];
  for (const e of extra) {
    if (seen.has(e.name.toUpperCase())) continue;
    seen.add(e.name.toUpperCase());
    out.push(e);
  }
  return out;
}

/** Go's json.Marshal of a map: keys sorted, no spaces */
export const goJson = (m: StrMap): string => JSON.stringify(Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]])));
