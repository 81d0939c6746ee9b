// The logical backup CronJob (zalando-operator.md §2.8): pg_dumpall of the
// cluster to object storage under spilo/<cluster>/<uid>/logical_backups/.
import type { EnvVar } from '../model/types.ts';
import { logicalBackupJobName, meta, objectLabels, secretName, secretRef, fieldRef, type ClusterContext } from './meta.ts';
import { plainResources } from './resources.ts';

type Obj = Record<string, unknown>;

export const LOGICAL_BACKUP_APPLICATION = 'spilo-logical-backup';

export function logicalBackupCronJob(c: ClusterContext, envSecretKeys: string[] = []): Obj {
  const { config, pg } = c;
  const labels = { ...objectLabels(c), application: LOGICAL_BACKUP_APPLICATION };
  const resources = plainResources(
    {
      requests: { cpu: config.logical_backup_cpu_request, memory: config.logical_backup_memory_request },
      limits: { cpu: config.logical_backup_cpu_limit, memory: config.logical_backup_memory_limit },
    },
    {
      cpuRequest: config.default_cpu_request,
      memoryRequest: config.default_memory_request,
      cpuLimit: config.default_cpu_limit,
      memoryLimit: config.default_memory_limit,
    },
  );
  const podSpec: Obj = {
    restartPolicy: 'Never',
    serviceAccountName: config.pod_service_account_name,
    affinity: {
      podAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1, podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' } },
        ],
      },
    },
    containers: [
      {
        name: 'logical-backup',
        image: config.logical_backup_docker_image,
        imagePullPolicy: 'IfNotPresent',
        env: backupEnv(c, envSecretKeys),
        resources,
        securityContext: { allowPrivilegeEscalation: false },
      },
    ],
  };
  const tolerations = pg.spec.tolerations ?? (Object.keys(config.toleration).length > 0 ? [{ ...config.toleration }] : []);
  if (tolerations.length > 0) podSpec.tolerations = tolerations;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(c, logicalBackupJobName(config, c.name), labels),
    spec: {
      schedule: pg.spec.logicalBackupSchedule || config.logical_backup_schedule,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: config.logical_backup_successful_jobs_history_limit,
      failedJobsHistoryLimit: config.logical_backup_failed_jobs_history_limit,
      jobTemplate: {
        spec: {
          ttlSecondsAfterFinished: config.logical_backup_ttl_seconds_after_finished,
          template: { metadata: { labels }, spec: podSpec },
        },
      },
    },
  };
}

function backupEnv(c: ClusterContext, envSecretKeys: string[]): EnvVar[] {
  const { config, pg } = c;
  const v = (name: string, value: string): EnvVar => ({ name, value });
  const env: EnvVar[] = [
    v('SCOPE', c.name),
    v('CLUSTER_NAME_LABEL', config.cluster_name_label),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    v('PG_VERSION', String(pg.spec.postgresql?.version ?? '')),
    v('PGPORT', '5432'),
    v('PGUSER', config.super_username),
    v('PGDATABASE', 'postgres'),
    v('PGSSLMODE', 'require'),
    secretRef('PGPASSWORD', secretName(config, config.super_username, c.name), 'password'),
    v('LOGICAL_BACKUP_PROVIDER', config.logical_backup_provider),
    v('LOGICAL_BACKUP_S3_BUCKET', config.logical_backup_s3_bucket),
    v('LOGICAL_BACKUP_S3_BUCKET_PREFIX', config.logical_backup_s3_bucket_prefix),
    v('LOGICAL_BACKUP_S3_BUCKET_SCOPE_SUFFIX', `/${pg.metadata.uid ?? ''}`),
  ];
  if (config.logical_backup_provider === 's3') {
    env.push(
      v('LOGICAL_BACKUP_S3_REGION', config.logical_backup_s3_region),
      v('LOGICAL_BACKUP_S3_ENDPOINT', config.logical_backup_s3_endpoint),
      v('LOGICAL_BACKUP_S3_SSE', config.logical_backup_s3_sse),
      v('LOGICAL_BACKUP_S3_RETENTION_TIME', pg.spec.logicalBackupRetention || config.logical_backup_s3_retention_time),
    );
    // Literal keys in the operator configuration; a Secret is the better home for them.
    if (config.logical_backup_s3_access_key_id) env.push(v('AWS_ACCESS_KEY_ID', config.logical_backup_s3_access_key_id));
    if (config.logical_backup_s3_secret_access_key) env.push(v('AWS_SECRET_ACCESS_KEY', config.logical_backup_s3_secret_access_key));
  } else if (config.logical_backup_provider === 'gcs') {
    env.push(v('LOGICAL_BACKUP_GOOGLE_APPLICATION_CREDENTIALS', config.logical_backup_google_application_credentials));
  } else if (config.logical_backup_provider === 'az') {
    env.push(
      v('LOGICAL_BACKUP_AZURE_STORAGE_ACCOUNT_NAME', config.logical_backup_azure_storage_account_name),
      v('LOGICAL_BACKUP_AZURE_STORAGE_CONTAINER', config.logical_backup_azure_storage_container),
      v('LOGICAL_BACKUP_AZURE_STORAGE_ACCOUNT_KEY', config.logical_backup_azure_storage_account_key),
    );
  }
  const secret = config.logical_backup_cronjob_environment_secret;
  if (secret) for (const key of [...envSecretKeys].sort()) env.push(secretRef(key, secret, key));
  return env;
}
