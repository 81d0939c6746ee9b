// Where a cluster's logical backups live: the logical store resolved once
// (s3-sources.ts: flags > env > spec.env > the operator's configuration) and
// the folder <prefix>/<cluster>/<uid>/logical_backups/ the catalog reads.
import type * as k8s from '@kubernetes/client-node';
import { createS3Client } from '../s3/client.ts';
import { LOGICAL, clusterPath } from './layout.ts';
import type { LogicalLocation } from './logical-dump.ts';
import { loadBackupS3 } from './s3-sources.ts';
import { describeStore, type BackupS3Flags } from './s3-settings.ts';

export interface LogicalStore extends LogicalLocation {
  /** one line: bucket, endpoint and where each setting came from (no secrets) */
  describe: string;
}

export const logicalDir = (prefix: string, cluster: string, uid: string) => `${clusterPath(cluster, { root: prefix, scopeSuffix: uid ? `/${uid}` : '' })}/${LOGICAL}`;

export class NoLogicalBucket extends Error {}

export async function logicalStore(
  kc: k8s.KubeConfig,
  o: { namespace: string; cluster: string; uid: string; spec?: { env?: k8s.V1EnvVar[] }; flags?: BackupS3Flags; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<LogicalStore> {
  const env = o.env ?? process.env;
  const { settings } = await loadBackupS3(kc, { flags: o.flags, env, namespace: o.namespace, cluster: { name: o.cluster, env: o.spec?.env } });
  const l = settings.logical;
  if (!l.bucket) {
    throw new NoLogicalBucket('no logical backup bucket: set logical_backup_s3_bucket (or wal_s3_bucket) in the operator configuration, LOGICAL_BACKUP_S3_BUCKET, or pass --logical-bucket');
  }
  // Parts are 5 MiB: a minute per request is generous on any link and still ends a hung one.
  const s3 = createS3Client({ ...l.s3, timeoutMs: o.timeoutMs ?? 60_000 }, env);
  return { s3, bucket: l.bucket, ...(l.sse ? { sse: l.sse } : {}), dir: logicalDir(l.prefix, o.cluster, o.uid), describe: describeStore(l) };
}
