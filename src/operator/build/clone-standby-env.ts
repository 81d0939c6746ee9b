// CLONE_* and STANDBY_* env for Spilo's bootstrap (zalando-operator.md §6):
// a clone without a timestamp streams a base backup from the running source
// cluster; with a timestamp it restores from WAL-G backups in object storage.
import type { EnvVar } from '../model/types.ts';
import { secretName, secretRef, type ClusterContext } from './meta.ts';

export function cloneEnv(c: ClusterContext): EnvVar[] {
  const clone = c.pg.spec.clone;
  if (!clone?.cluster) return [];
  const { config } = c;
  const env: EnvVar[] = [{ name: 'CLONE_SCOPE', value: clone.cluster }];
  if (!clone.timestamp) {
    env.push(
      { name: 'CLONE_METHOD', value: 'CLONE_WITH_BASEBACKUP' },
      { name: 'CLONE_HOST', value: clone.cluster },
      { name: 'CLONE_PORT', value: '5432' },
      { name: 'CLONE_USER', value: config.replication_username },
      secretRef('CLONE_PASSWORD', secretName(config, config.replication_username, clone.cluster), 'password'),
    );
    return env;
  }
  const suffix = clone.uid ? `/${clone.uid}` : '';
  if (clone.s3_wal_path) env.push({ name: 'CLONE_WALE_S3_PREFIX', value: clone.s3_wal_path });
  else if (config.wal_s3_bucket) env.push({ name: 'CLONE_WAL_S3_BUCKET', value: config.wal_s3_bucket }, { name: 'CLONE_WAL_BUCKET_SCOPE_SUFFIX', value: suffix });
  else if (config.wal_gs_bucket) {
    env.push({ name: 'CLONE_WAL_GS_BUCKET', value: config.wal_gs_bucket }, { name: 'CLONE_WAL_BUCKET_SCOPE_SUFFIX', value: suffix });
    if (config.gcp_credentials) env.push({ name: 'CLONE_GOOGLE_APPLICATION_CREDENTIALS', value: config.gcp_credentials });
  } else if (config.wal_az_storage_account) {
    env.push({ name: 'CLONE_AZURE_STORAGE_ACCOUNT', value: config.wal_az_storage_account }, { name: 'CLONE_WAL_BUCKET_SCOPE_SUFFIX', value: suffix });
  }
  env.push(
    { name: 'CLONE_METHOD', value: 'CLONE_WITH_WALE' },
    { name: 'CLONE_TARGET_TIME', value: clone.timestamp },
    { name: 'CLONE_WAL_BUCKET_SCOPE_PREFIX', value: '' },
  );
  if (clone.s3_endpoint) env.push({ name: 'CLONE_AWS_ENDPOINT', value: clone.s3_endpoint }, { name: 'CLONE_WALE_S3_ENDPOINT', value: clone.s3_endpoint });
  if (clone.s3_access_key_id) env.push({ name: 'CLONE_AWS_ACCESS_KEY_ID', value: clone.s3_access_key_id });
  if (clone.s3_secret_access_key) env.push({ name: 'CLONE_AWS_SECRET_ACCESS_KEY', value: clone.s3_secret_access_key });
  if (clone.s3_force_path_style !== undefined) env.push({ name: 'CLONE_AWS_S3_FORCE_PATH_STYLE', value: clone.s3_force_path_style ? '1' : '0' });
  return env;
}

export function standbyEnv(c: ClusterContext): EnvVar[] {
  const s = c.pg.spec.standby;
  if (!s) return [];
  const env: EnvVar[] = [];
  if (s.standby_host) {
    env.push({ name: 'STANDBY_HOST', value: s.standby_host });
    if (s.standby_port) env.push({ name: 'STANDBY_PORT', value: s.standby_port });
    if (s.standby_primary_slot_name) env.push({ name: 'STANDBY_PRIMARY_SLOT_NAME', value: s.standby_primary_slot_name });
  }
  if (s.s3_wal_path || s.gs_wal_path) {
    // Zalando v2.0.1's order (prefix, method, scope prefix): another order would roll an adopted standby
    if (s.s3_wal_path) env.push({ name: 'STANDBY_WALE_S3_PREFIX', value: s.s3_wal_path });
    else env.push({ name: 'STANDBY_WALE_GS_PREFIX', value: s.gs_wal_path! });
    env.push({ name: 'STANDBY_METHOD', value: 'STANDBY_WITH_WALE' }, { name: 'STANDBY_WAL_BUCKET_SCOPE_PREFIX', value: '' });
  }
  return env;
}
