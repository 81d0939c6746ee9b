// The postgresql manifest of a clone from S3, as Zalando's docs define it
// (docs/user.md "Clone from S3"): a new cluster with the source's essentials
// and spec.clone {cluster, uid, timestamp}, plus s3_wal_path / s3_endpoint /
// s3_force_path_style when the source's WAL is not where the operator's own
// wal_s3_bucket and the pods' settings would look. Keys are never written into
// the manifest: when the source's pods take them from a Secret, the clone's
// CLONE_AWS_* env points at the same Secret. A copy of the running cluster
// (buildCopyManifest) has spec.clone {cluster} alone, which Zalando's operator
// turns into Spilo's pg_basebackup clone. Pure.
import type { ResolvedBackupS3 } from './s3-settings.ts';

export interface SourceSpec {
  teamId?: string;
  numberOfInstances?: number;
  volume?: Record<string, unknown>;
  postgresql?: { version?: string; parameters?: Record<string, string> };
  [key: string]: unknown;
}

/** What a user expects a copy to keep; the rest (standby, clone, TLS for the old name, load balancers) stays behind. */
const COPIED = ['teamId', 'dockerImage', 'numberOfInstances', 'volume', 'postgresql', 'patroni', 'users', 'databases', 'preparedDatabases', 'resources', 'env', 'tolerations', 'nodeAffinity'] as const;

export interface CloneManifestInput {
  name: string;
  namespace: string;
  source: { cluster: string; uid: string; spec?: SourceSpec };
  /** RFC 3339 with an offset */
  timestamp: string;
  /** PostgreSQL major of the backups, for a deleted source whose manifest is gone */
  pgMajor?: string;
  s3: ResolvedBackupS3;
  /** the WAL prefix the catalog read (key, trailing slash): used for s3_wal_path when the bucket is not the operator's */
  walPrefix?: string;
}

type EnvVar = { name: string; value?: string; valueFrom?: unknown };

/** The source's essentials, with what a cluster needs filled in. */
function copiedSpec(i: { name: string; source: { spec?: SourceSpec }; pgMajor?: string }): Record<string, unknown> {
  const src = i.source.spec ?? {};
  const spec: Record<string, unknown> = {};
  for (const k of COPIED) if (src[k] !== undefined) spec[k] = structuredClone(src[k]);
  spec.teamId ??= i.name.includes('-') ? i.name.split('-')[0] : i.name;
  spec.numberOfInstances ??= 1;
  spec.volume ??= { size: '1Gi' };
  spec.postgresql ??= { version: i.pgMajor ?? '15' };
  return spec;
}

const manifestOf = (i: { name: string; namespace: string }, spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'acid.zalan.do/v1',
  kind: 'postgresql',
  metadata: { name: i.name, namespace: i.namespace },
  spec,
});

/** A copy of the running source, streamed from its leader when the new cluster starts (no backups involved). */
export function buildCopyManifest(i: { name: string; namespace: string; source: { cluster: string; spec?: SourceSpec } }): Record<string, unknown> {
  return manifestOf(i, { ...copiedSpec(i), clone: { cluster: i.source.cluster } });
}

export function buildCloneManifest(i: CloneManifestInput): Record<string, unknown> {
  const spec = copiedSpec(i);
  const wal = i.s3.wal;
  const clone: Record<string, unknown> = { cluster: i.source.cluster, uid: i.source.uid, timestamp: i.timestamp };
  // The operator builds the source prefix from its own wal_s3_bucket; elsewhere needs the path spelled out.
  if (wal.bucket && wal.bucket !== i.s3.operatorWalBucket) {
    const dir = (i.walPrefix ?? `spilo/${i.source.cluster}/${i.source.uid}/wal/`).replace(/\/wal\/\d+\/$/, '/wal/');
    clone.s3_wal_path = `s3://${wal.bucket}/${dir.replace(/\/$/, '')}`;
  }
  if (wal.s3.endpoint) {
    clone.s3_endpoint = wal.s3.endpoint;
    clone.s3_force_path_style = wal.s3.forcePathStyle ?? true;
  }
  const refs = wal.credentialRefs;
  if (!i.source.spec && wal.s3.endpoint) {
    // A deleted source's spec.env is gone: give the clone what it needs to archive into the same store.
    const env: EnvVar[] = [
      { name: 'AWS_ENDPOINT', value: wal.s3.endpoint },
      ...(wal.s3.region ? [{ name: 'AWS_REGION', value: wal.s3.region }] : []),
      { name: 'AWS_S3_FORCE_PATH_STYLE', value: String(wal.s3.forcePathStyle ?? true) },
      ...(refs
        ? [
            { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: refs.accessKeyId.name, key: refs.accessKeyId.key } } },
            { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: refs.secretAccessKey.name, key: refs.secretAccessKey.key } } },
          ]
        : []),
    ];
    spec.env = env;
  }
  if (refs) {
    const env = ((spec.env as EnvVar[] | undefined) ?? []).filter((e) => !e.name.startsWith('CLONE_AWS_'));
    env.push(
      { name: 'CLONE_AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: refs.accessKeyId.name, key: refs.accessKeyId.key } } },
      { name: 'CLONE_AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: refs.secretAccessKey.name, key: refs.secretAccessKey.key } } },
    );
    spec.env = env;
  }
  spec.clone = clone;
  return manifestOf(i, spec);
}

/** DNS-1035 label, at most 63 characters: what Zalando's CRD and Kubernetes accept as a cluster name. */
export function badClusterName(name: string): string | undefined {
  if (name.length > 63) return 'at most 63 characters';
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) return 'lower-case letters, digits and "-", starting with a letter and not ending with "-"';
  return undefined;
}
