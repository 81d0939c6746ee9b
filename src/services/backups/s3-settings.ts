// Where a cluster's backups live and how to reach them, decided once for the
// catalog, the clone and logical backups: command-line flags, then the
// environment, then what the cluster's pods are given (its spec.env, as Spilo
// sees it), then the operator's configuration (wal_s3_bucket, the
// logical_backup_s3_* keys, pod_environment_configmap/secret, aws_region).
// Pure: the caller loads the configuration and Secrets (s3-sources.ts).
// Every setting remembers where it came from, so the CLI can say it; secret
// values are never part of that description.
import type { S3Options } from '../s3/client.ts';

export interface BackupS3Flags {
  bucket?: string;
  logicalBucket?: string;
  logicalPrefix?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
}

/** Only the S3 settings of a command's flags, and only those given (commander leaves the rest undefined). */
export const backupS3Flags = (f: BackupS3Flags): BackupS3Flags => ({
  ...(f.bucket ? { bucket: f.bucket } : {}),
  ...(f.logicalBucket ? { logicalBucket: f.logicalBucket } : {}),
  ...(f.logicalPrefix ? { logicalPrefix: f.logicalPrefix } : {}),
  ...(f.endpoint ? { endpoint: f.endpoint } : {}),
  ...(f.region ? { region: f.region } : {}),
  ...(f.pathStyle ? { pathStyle: true } : {}),
});

/** A Secret key the value was read from, so a manifest can point at it instead of carrying it. */
export interface SecretKeyRef {
  name: string;
  key: string;
}

/** name → value, plus the Secret each secret-backed name came from */
export interface EnvSource {
  /** "ConfigMap zpg-system/postgres-operator", "spec.env of default/acid-demo" */
  where: string;
  values: Record<string, string>;
  refs?: Record<string, SecretKeyRef>;
}

/** What the operator's configuration says (flat keys, as parse.ts reads them), and the pod env it points at. */
export interface OperatorS3Config {
  where: string;
  config: Record<string, unknown>;
  /** pod_environment_configmap and pod_environment_secret, read */
  podEnv?: EnvSource;
  /** logical_backup_cronjob_environment_secret, read */
  logicalEnv?: EnvSource;
}

export interface S3Store {
  bucket?: string;
  s3: S3Options;
  /** setting → where it came from ("--endpoint", "env AWS_ENDPOINT", "spec.env of default/x", ...) */
  from: Partial<Record<'bucket' | 'endpoint' | 'region' | 'pathStyle' | 'credentials' | 'prefix' | 'sse', string>>;
  /** the Secret keys the credentials came from, when they came from one */
  credentialRefs?: { accessKeyId: SecretKeyRef; secretAccessKey: SecretKeyRef };
}

export interface ResolvedBackupS3 {
  wal: S3Store;
  logical: S3Store & { prefix: string; sse?: string };
  /** the operator sends WAL_BUCKET_SCOPE_PREFIX="" */
  scopePrefix: string;
  /** the operator's wal_s3_bucket: a clone needs s3_wal_path only when its source lives elsewhere */
  operatorWalBucket?: string;
}

type Layer = { where: string; values: Record<string, string | undefined>; refs?: Record<string, SecretKeyRef> };

const truthy = (v: string) => ['true', '1', 'yes', 'on'].includes(v.toLowerCase());
/** Spilo writes WALE_S3_ENDPOINT as protocol+path://host:port */
const fromWaleEndpoint = (v: string | undefined) => v?.replace(/^(https?)\+path:\/\//, '$1://');
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

function pick(layers: Layer[], names: string[]): { value: string; where: string; ref?: SecretKeyRef; name: string } | undefined {
  for (const l of layers) {
    for (const n of names) {
      const raw = l.values[n];
      const v = n === 'WALE_S3_ENDPOINT' ? fromWaleEndpoint(raw) : raw;
      if (v !== undefined && v !== '') return { value: v, where: `${l.where}${l.where.startsWith('env') || l.where.startsWith('--') ? '' : ` ${n}`}`, ref: l.refs?.[n], name: n };
    }
  }
  return undefined;
}

function credentials(layers: Layer[], idNames: string[], secretNames: string[]): Pick<S3Store, 'credentialRefs'> & { s3: Partial<S3Options>; from?: string } {
  // Both keys from the same place, or none: half a key pair from two sources is never what anyone meant.
  for (const l of layers) {
    const id = idNames.find((n) => l.values[n]);
    const secret = secretNames.find((n) => l.values[n]);
    if (!id || !secret) continue;
    const token = l.values.AWS_SESSION_TOKEN;
    const refs = l.refs?.[id] && l.refs?.[secret] ? { credentialRefs: { accessKeyId: l.refs[id], secretAccessKey: l.refs[secret] } } : {};
    return { s3: { accessKeyId: l.values[id], secretAccessKey: l.values[secret], ...(token ? { sessionToken: token } : {}) }, from: `${l.where} ${id}`, ...refs };
  }
  return { s3: {} };
}

function envLayer(where: string, e: EnvSource | undefined): Layer[] {
  return e ? [{ where: e.where, values: e.values, ...(e.refs ? { refs: e.refs } : {}) }] : [];
}

export function resolveBackupS3(opts: { flags?: BackupS3Flags; env?: NodeJS.ProcessEnv; operatorConfig?: OperatorS3Config; clusterEnv?: EnvSource }): ResolvedBackupS3 {
  const f = opts.flags ?? {};
  const env = opts.env ?? {};
  const oc = opts.operatorConfig;
  const c = oc?.config ?? {};
  const flagLayer: Layer = {
    where: '--flags',
    values: { WAL_S3_BUCKET: f.bucket, AWS_ENDPOINT: f.endpoint, AWS_REGION: f.region, AWS_S3_FORCE_PATH_STYLE: f.pathStyle ? 'true' : undefined, LOGICAL_BACKUP_S3_BUCKET: f.logicalBucket, LOGICAL_BACKUP_S3_BUCKET_PREFIX: f.logicalPrefix },
  };
  const flagNames: Record<string, string> = { WAL_S3_BUCKET: '--bucket', AWS_ENDPOINT: '--endpoint', AWS_REGION: '--region', AWS_S3_FORCE_PATH_STYLE: '--path-style', LOGICAL_BACKUP_S3_BUCKET: '--logical-bucket', LOGICAL_BACKUP_S3_BUCKET_PREFIX: '--logical-prefix' };
  const envLayerP: Layer = { where: 'env', values: env as Record<string, string | undefined> };
  const configLayer: Layer = {
    where: oc?.where ?? 'operator configuration',
    values: {
      WAL_S3_BUCKET: str(c.wal_s3_bucket),
      AWS_REGION: str(c.aws_region),
      LOGICAL_BACKUP_S3_BUCKET: str(c.logical_backup_s3_bucket),
      LOGICAL_BACKUP_S3_BUCKET_PREFIX: str(c.logical_backup_s3_bucket_prefix),
      LOGICAL_BACKUP_S3_ENDPOINT: str(c.logical_backup_s3_endpoint),
      LOGICAL_BACKUP_S3_REGION: str(c.logical_backup_s3_region),
      LOGICAL_BACKUP_S3_SSE: str(c.logical_backup_s3_sse),
      LOGICAL_BACKUP_S3_ACCESS_KEY_ID: str(c.logical_backup_s3_access_key_id),
      LOGICAL_BACKUP_S3_SECRET_ACCESS_KEY: str(c.logical_backup_s3_secret_access_key),
    },
  };
  const configKey: Record<string, string> = {
    WAL_S3_BUCKET: 'wal_s3_bucket',
    AWS_REGION: 'aws_region',
    LOGICAL_BACKUP_S3_BUCKET: 'logical_backup_s3_bucket',
    LOGICAL_BACKUP_S3_BUCKET_PREFIX: 'logical_backup_s3_bucket_prefix',
    LOGICAL_BACKUP_S3_ENDPOINT: 'logical_backup_s3_endpoint',
    LOGICAL_BACKUP_S3_REGION: 'logical_backup_s3_region',
    LOGICAL_BACKUP_S3_SSE: 'logical_backup_s3_sse',
    LOGICAL_BACKUP_S3_ACCESS_KEY_ID: 'logical_backup_s3_access_key_id',
  };
  const cluster = envLayer('spec.env', opts.clusterEnv);
  const podEnv = envLayer('pod env', oc?.podEnv);
  // Spilo's order: the cluster's own spec.env wins over the operator's pod environment, which wins over wal_s3_bucket.
  const walLayers = [flagLayer, envLayerP, ...cluster, ...podEnv, configLayer];
  const say = (p: ReturnType<typeof pick>) => {
    if (!p) return undefined;
    if (p.where === '--flags') return flagNames[p.name];
    if (p.where === 'env') return `env ${p.name}`;
    if (p.where.startsWith(configLayer.where) && configKey[p.name]) return `${configLayer.where} ${configKey[p.name]}`;
    return p.where;
  };

  const bucket = pick(walLayers, ['WAL_S3_BUCKET']);
  const endpoint = pick([flagLayer, envLayerP, ...cluster, ...podEnv], ['AWS_ENDPOINT', 'WALG_S3_ENDPOINT', 'WALE_S3_ENDPOINT']);
  const region = pick(walLayers, ['AWS_REGION']);
  const pathStyle = pick([flagLayer, envLayerP, ...cluster, ...podEnv], ['AWS_S3_FORCE_PATH_STYLE']);
  const logicalBucket = pick([flagLayer, envLayerP, configLayer], ['LOGICAL_BACKUP_S3_BUCKET']);
  const sameBucket = !logicalBucket || logicalBucket.value === bucket?.value;
  // The logical backup keys of the configuration reach the WAL too when both live in one bucket.
  const walCreds = credentials(
    [envLayerP, ...cluster, ...podEnv, ...(sameBucket ? [{ where: configLayer.where, values: configLayer.values }, ...envLayer('logical env', oc?.logicalEnv)] : [])],
    ['AWS_ACCESS_KEY_ID', 'LOGICAL_BACKUP_S3_ACCESS_KEY_ID'],
    ['AWS_SECRET_ACCESS_KEY', 'LOGICAL_BACKUP_S3_SECRET_ACCESS_KEY'],
  );
  // The logical backup keys of the configuration; the WAL store's settings when both live in one bucket.
  const logicalEndpoint = pick([flagLayer, { ...envLayerP, values: { LOGICAL_BACKUP_S3_ENDPOINT: env.LOGICAL_BACKUP_S3_ENDPOINT } }, configLayer], ['AWS_ENDPOINT', 'LOGICAL_BACKUP_S3_ENDPOINT']);
  const logicalRegion = pick([flagLayer, { ...envLayerP, values: { LOGICAL_BACKUP_S3_REGION: env.LOGICAL_BACKUP_S3_REGION } }, configLayer], ['AWS_REGION', 'LOGICAL_BACKUP_S3_REGION']);
  const logicalCreds = credentials(
    [envLayerP, { where: configLayer.where, values: configLayer.values }, ...envLayer('logical env', oc?.logicalEnv), ...(sameBucket ? [...cluster, ...podEnv] : [])],
    ['AWS_ACCESS_KEY_ID', 'LOGICAL_BACKUP_S3_ACCESS_KEY_ID'],
    ['AWS_SECRET_ACCESS_KEY', 'LOGICAL_BACKUP_S3_SECRET_ACCESS_KEY'],
  );

  // Without an endpoint for WAL but one for logical backups in the same bucket, it is the same store.
  const walEndpoint = endpoint ?? (sameBucket && logicalEndpoint && logicalEndpoint.where !== '--flags' ? logicalEndpoint : undefined);
  const walS3: S3Options = {
    ...(walEndpoint ? { endpoint: walEndpoint.value } : {}),
    ...(region ? { region: region.value } : {}),
    ...(pathStyle ? { forcePathStyle: truthy(pathStyle.value) } : walEndpoint ? { forcePathStyle: true } : {}),
    ...walCreds.s3,
  };
  const wal: S3Store = {
    ...(bucket ? { bucket: bucket.value } : {}),
    s3: walS3,
    from: {
      ...(bucket ? { bucket: say(bucket) } : {}),
      endpoint: walEndpoint ? say(walEndpoint) : 'AWS (no endpoint configured)',
      ...(region ? { region: say(region) } : {}),
      ...(pathStyle ? { pathStyle: say(pathStyle) } : {}),
      credentials: walCreds.from ? (walCreds.from.startsWith(configLayer.where) ? `${configLayer.where} logical_backup_s3_access_key_id` : walCreds.from) : 'the AWS chain (profile, IRSA, instance role)',
    },
    ...(walCreds.credentialRefs ? { credentialRefs: walCreds.credentialRefs } : {}),
  };

  const prefix = pick([flagLayer, envLayerP, configLayer], ['LOGICAL_BACKUP_S3_BUCKET_PREFIX']);
  const sse = pick([envLayerP, configLayer], ['LOGICAL_BACKUP_S3_SSE']);
  const lEndpoint = logicalEndpoint ?? (sameBucket ? walEndpoint : undefined);
  const logical: ResolvedBackupS3['logical'] = {
    ...(logicalBucket ? { bucket: logicalBucket.value } : bucket ? { bucket: bucket.value } : {}),
    prefix: prefix?.value ?? 'spilo',
    ...(sse ? { sse: sse.value } : {}),
    s3: {
      ...(lEndpoint ? { endpoint: lEndpoint.value, forcePathStyle: pathStyle ? truthy(pathStyle.value) : true } : {}),
      ...(logicalRegion ? { region: logicalRegion.value } : region ? { region: region.value } : {}),
      ...logicalCreds.s3,
    },
    from: {
      bucket: logicalBucket ? say(logicalBucket) : bucket ? `${say(bucket)} (no logical_backup_s3_bucket)` : undefined,
      prefix: prefix ? say(prefix) : 'default spilo',
      endpoint: lEndpoint ? say(lEndpoint) : 'AWS (no endpoint configured)',
      credentials: logicalCreds.from ? (logicalCreds.from.startsWith(configLayer.where) ? `${configLayer.where} logical_backup_s3_access_key_id` : logicalCreds.from) : 'the AWS chain (profile, IRSA, instance role)',
      ...(sse ? { sse: say(sse) } : {}),
    },
    ...(logicalCreds.credentialRefs ? { credentialRefs: logicalCreds.credentialRefs } : {}),
  };
  return { wal, logical, scopePrefix: '', ...(str(c.wal_s3_bucket) ? { operatorWalBucket: str(c.wal_s3_bucket) } : {}) };
}

/** One line for people: where the store is and where each setting came from; never a secret. */
/** Bucket and endpoint as screens and tables name a store; never credentials. */
export const storeName = (r: ResolvedBackupS3) => `s3://${r.wal.bucket ?? r.logical.bucket}${r.wal.s3.endpoint ? ` at ${r.wal.s3.endpoint}` : ''}`;

export function describeStore(s: S3Store): string {
  const at = s.s3.endpoint ?? 'AWS S3';
  // The three a person checks first; region and path style follow the endpoint's source.
  const parts = (['bucket', 'endpoint', 'credentials'] as const).filter((k) => s.from[k]).map((k) => `${k} from ${s.from[k]}`);
  return `s3://${s.bucket ?? '?'} at ${at}${s.s3.forcePathStyle ? ' (path style)' : ''}; ${parts.join(', ')}`;
}
