// What Spilo's configure step derives from a pod's env for WAL-G (its
// envdir /run/etc/wal-e.d/env and env-clone-<scope>), for the sandbox's
// stand-in: the bucket and key prefix, the S3 endpoint and keys, and the
// clone source. Pure.
import { walPrefix } from '../../services/backups/layout.ts';
import { s3ConfigFromEnv, type S3Options } from '../../services/s3/client.ts';

/** The sandbox runs Debian's PostgreSQL 15: Spilo's PGVERSION is the major of the running binaries. */
export const SANDBOX_PG_MAJOR = 15;

export interface WalgTarget {
  bucket: string;
  /** key prefix ending in '/', e.g. spilo/demo/<uid>/wal/15/ */
  prefix: string;
  s3: S3Options;
}

export interface WalgConfig {
  /** where this member archives WAL and base backups */
  own?: WalgTarget;
  /** a clone's source: prefix without the version (Spilo probes wal/<ver>/ downwards) */
  clone?: WalgTarget & { targetTime?: string; scope: string };
  /** for base backups: the member's own address and users */
  pg: { host: string; port: number; restPort?: number; superuser: { username: string; password: string }; replication: { username: string; password: string } };
  hostname: string;
}

/** s3://bucket/some/path → bucket and key prefix */
function splitS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1], prefix: m[2] ? m[2].replace(/\/?$/, '/') : '' };
}

/** The member's own archive target, or undefined when Spilo would set archive_command to /bin/true. */
export function ownTarget(env: Record<string, string>): WalgTarget | undefined {
  const explicit = env.WALG_S3_PREFIX || env.WALE_S3_PREFIX;
  const s3 = s3ConfigFromEnv(env);
  if (explicit) {
    const p = splitS3Url(explicit);
    return p ? { ...p, s3 } : undefined;
  }
  if (!env.WAL_S3_BUCKET || !env.SCOPE) return undefined;
  // Spilo's default prefix is "<namespace>-" outside the default namespace; the operator always sends "".
  const ns = env.POD_NAMESPACE;
  const scopePrefix = env.WAL_BUCKET_SCOPE_PREFIX ?? (ns && ns !== 'default' ? `${ns}-` : '');
  return { bucket: env.WAL_S3_BUCKET, prefix: walPrefix(env.SCOPE, SANDBOX_PG_MAJOR, { scopePrefix, scopeSuffix: env.WAL_BUCKET_SCOPE_SUFFIX ?? '' }), s3 };
}

/** CLONE_METHOD=CLONE_WITH_WALE: the source's prefix, built from the CLONE_* variables as Spilo builds its clone envdir. */
export function cloneTarget(env: Record<string, string>): WalgConfig['clone'] {
  if (env.CLONE_METHOD !== 'CLONE_WITH_WALE' || !env.CLONE_SCOPE) return undefined;
  const cloneEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith('CLONE_')) cloneEnv[k.slice('CLONE_'.length)] = v;
  // The source usually lives in the same store: without CLONE_AWS_* the pod's own settings apply.
  const s3 = { ...s3ConfigFromEnv(env), ...s3ConfigFromEnv(cloneEnv) };
  delete (s3 as { bucket?: string }).bucket;
  const base = { scope: env.CLONE_SCOPE, s3, ...(env.CLONE_TARGET_TIME ? { targetTime: env.CLONE_TARGET_TIME } : {}) };
  const explicit = cloneEnv.WALG_S3_PREFIX || cloneEnv.WALE_S3_PREFIX;
  if (explicit) {
    const p = splitS3Url(explicit);
    return p ? { ...base, ...p } : undefined;
  }
  if (!cloneEnv.WAL_S3_BUCKET) return undefined;
  const prefix = `spilo/${cloneEnv.WAL_BUCKET_SCOPE_PREFIX ?? ''}${env.CLONE_SCOPE}${cloneEnv.WAL_BUCKET_SCOPE_SUFFIX ?? ''}/wal/`;
  return { ...base, bucket: cloneEnv.WAL_S3_BUCKET, prefix };
}
