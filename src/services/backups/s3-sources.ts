// Reads what resolveBackupS3 needs from the cluster: the operator's
// configuration (the `postgres-operator` ConfigMap or an OperatorConfiguration,
// found by --operator-config / ZPG_OPERATOR_CONFIG or by looking for it), the
// pod environment ConfigMap and Secret it names, and a cluster's spec.env with
// its Secret references read. Secret values go into the settings only, never
// into messages. Every call has a deadline.
import * as k8s from '@kubernetes/client-node';
import { parseConfigMapData, parseOperatorConfiguration } from '../../operator/config/parse.ts';
import { withTimeout } from '../postgres/credentials.ts';
import type { SentinelCache } from './base-backups.ts';
import { sentinelCache } from './sentinel-cache-file.ts';
import { resolveBackupS3, type BackupS3Flags, type EnvSource, type OperatorS3Config, type ResolvedBackupS3, type SecretKeyRef } from './s3-settings.ts';

const TIMEOUT_MS = 10_000;
const PG = { group: 'acid.zalan.do', version: 'v1' } as const;

export interface OperatorConfigRef {
  kind: 'ConfigMap' | 'OperatorConfiguration';
  namespace: string;
  name: string;
}

/** "NS/NAME" (a ConfigMap), "configmap/NS/NAME" or "operatorconfiguration/NS/NAME" */
export function parseOperatorConfigRef(text: string): OperatorConfigRef | undefined {
  const parts = text.split('/');
  if (parts.length === 2 && parts.every(Boolean)) return { kind: 'ConfigMap', namespace: parts[0], name: parts[1] };
  if (parts.length === 3 && parts.every(Boolean)) {
    const k = parts[0].toLowerCase();
    if (k === 'configmap' || k === 'cm') return { kind: 'ConfigMap', namespace: parts[1], name: parts[2] };
    if (k === 'operatorconfiguration' || k === 'opconfig') return { kind: 'OperatorConfiguration', namespace: parts[1], name: parts[2] };
  }
  return undefined;
}

const decode = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : '');
const status = (e: unknown) => (e as { code?: number }).code;

async function readSecret(core: k8s.CoreV1Api, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    const s = await withTimeout(core.readNamespacedSecret({ namespace, name }), TIMEOUT_MS, `reading Secret ${namespace}/${name}`);
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)]));
  } catch (e) {
    if (status(e) === 404 || status(e) === 403) return undefined;
    throw e;
  }
}

/** The operator's configuration: the named one, else the one found (its namespace first, then anywhere). */
export async function findOperatorConfig(kc: k8s.KubeConfig, o: { ref?: OperatorConfigRef; preferNamespace?: string } = {}): Promise<{ ref: OperatorConfigRef; config: Record<string, unknown> } | { ref?: undefined; note: string }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const load = async (ref: OperatorConfigRef) => {
    if (ref.kind === 'ConfigMap') {
      const cm = await withTimeout(core.readNamespacedConfigMap({ namespace: ref.namespace, name: ref.name }), TIMEOUT_MS, `reading ConfigMap ${ref.namespace}/${ref.name}`);
      return { ref, config: parseConfigMapData(cm.data).config as unknown as Record<string, unknown> };
    }
    const obj = await withTimeout(custom.getNamespacedCustomObject({ ...PG, plural: 'operatorconfigurations', namespace: ref.namespace, name: ref.name }), TIMEOUT_MS, `reading OperatorConfiguration ${ref.namespace}/${ref.name}`);
    return { ref, config: parseOperatorConfiguration(obj).config as unknown as Record<string, unknown> };
  };
  if (o.ref) return load(o.ref);
  const found: OperatorConfigRef[] = [];
  // Zalando's name is postgres-operator for the ConfigMap; an OperatorConfiguration has whatever name the chart gave it.
  const cms = await withTimeout(core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=postgres-operator' }), TIMEOUT_MS, 'looking for the operator ConfigMap').catch(() => undefined);
  for (const cm of cms?.items ?? []) found.push({ kind: 'ConfigMap', namespace: cm.metadata!.namespace!, name: cm.metadata!.name! });
  const ocs = (await withTimeout(custom.listClusterCustomObject({ ...PG, plural: 'operatorconfigurations' }), TIMEOUT_MS, 'looking for OperatorConfigurations').catch(() => undefined)) as { items?: k8s.KubernetesObject[] } | undefined;
  for (const oc of ocs?.items ?? []) found.push({ kind: 'OperatorConfiguration', namespace: oc.metadata!.namespace!, name: oc.metadata!.name! });
  if (found.length === 0) return { note: 'no operator configuration found (no ConfigMap postgres-operator, no OperatorConfiguration); pass --operator-config NS/NAME' };
  const chosen = found.find((r) => r.namespace === o.preferNamespace) ?? found[0];
  return load(chosen);
}

export const describeRef = (r: OperatorConfigRef) => `${r.kind} ${r.namespace}/${r.name}`;

/** pod_environment_configmap ("ns/name" or a name in the cluster's namespace) and pod_environment_secret (in the cluster's namespace). */
async function podEnvironment(kc: k8s.KubeConfig, config: Record<string, unknown>, clusterNamespace: string): Promise<EnvSource | undefined> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const values: Record<string, string> = {};
  const refs: Record<string, SecretKeyRef> = {};
  const where: string[] = [];
  const cmName = typeof config.pod_environment_configmap === 'string' ? config.pod_environment_configmap : '';
  if (cmName) {
    const [ns, name] = cmName.includes('/') ? cmName.split('/', 2) : [clusterNamespace, cmName];
    const cm = await withTimeout(core.readNamespacedConfigMap({ namespace: ns, name }), TIMEOUT_MS, `reading ConfigMap ${ns}/${name}`).catch(() => undefined);
    if (cm?.data) {
      Object.assign(values, cm.data);
      where.push(`ConfigMap ${ns}/${name}`);
    }
  }
  const secretName = typeof config.pod_environment_secret === 'string' ? config.pod_environment_secret : '';
  if (secretName) {
    const data = await readSecret(core, clusterNamespace, secretName);
    if (data) {
      // The Secret comes first in the pod's env (Zalando's order): its names win.
      for (const [k, v] of Object.entries(data)) {
        values[k] = v;
        refs[k] = { name: secretName, key: k };
      }
      where.push(`Secret ${clusterNamespace}/${secretName}`);
    }
  }
  return where.length ? { where: `pod environment (${where.join(', ')})`, values, refs } : undefined;
}

/** A cluster's spec.env as its pods see it: literal values and Secret references read. */
export async function clusterEnvSource(kc: k8s.KubeConfig, namespace: string, cluster: string, env: k8s.V1EnvVar[] | undefined): Promise<EnvSource | undefined> {
  if (!env?.length) return undefined;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const values: Record<string, string> = {};
  const refs: Record<string, SecretKeyRef> = {};
  const secrets = new Map<string, Promise<Record<string, string> | undefined>>();
  for (const e of env) {
    if (e.value !== undefined && !(e.name in values)) values[e.name] = e.value;
    const ref = e.valueFrom?.secretKeyRef;
    if (ref?.name && ref.key && !(e.name in values)) {
      if (!secrets.has(ref.name)) secrets.set(ref.name, readSecret(core, namespace, ref.name));
      const data = await secrets.get(ref.name)!;
      if (data?.[ref.key] !== undefined) {
        values[e.name] = data[ref.key];
        refs[e.name] = { name: ref.name, key: ref.key };
      }
    }
  }
  return { where: `spec.env of ${namespace}/${cluster}`, values, refs };
}

export interface LoadedS3 {
  settings: ResolvedBackupS3;
  /** which operator configuration was read, or why none was */
  operatorConfig: string;
}

/** The operator's side of the S3 settings: its configuration, and the pod environment of clusters in `namespace`. */
export interface OperatorS3 {
  operatorConfig?: OperatorS3Config;
  /** which operator configuration was read, or why none was */
  note: string;
}

export async function loadOperatorS3(kc: k8s.KubeConfig | undefined, o: { env?: NodeJS.ProcessEnv; operatorConfig?: string; namespace: string }): Promise<OperatorS3> {
  const env = o.env ?? process.env;
  const refText = o.operatorConfig ?? env.ZPG_OPERATOR_CONFIG;
  const ref = refText ? parseOperatorConfigRef(refText) : undefined;
  if (refText && !ref) throw new Error(`--operator-config ${refText}: use NAMESPACE/NAME (a ConfigMap) or operatorconfiguration/NAMESPACE/NAME`);
  if (!kc) return { note: 'not read (no cluster access)' };
  const found = await findOperatorConfig(kc, { ref, preferNamespace: undefined }).catch((e: unknown) => {
    if (ref) throw new Error(`--operator-config ${refText}: ${e instanceof Error ? e.message : String(e)}`);
    return { note: `operator configuration not readable: ${e instanceof Error ? e.message : String(e)}` };
  });
  if (!('config' in found) || !found.ref) return { note: 'note' in found ? found.note : 'no operator configuration' };
  const where = describeRef(found.ref);
  return inNamespace(kc, { note: where, operatorConfig: { where, config: found.config } }, o.namespace);
}

/** The same configuration for clusters in `namespace`: its pod environment and logical backup Secret are read there. */
export async function inNamespace(kc: k8s.KubeConfig, o: OperatorS3, namespace: string): Promise<OperatorS3> {
  if (!o.operatorConfig) return o;
  const { where, config } = o.operatorConfig;
  const logicalName = typeof config.logical_backup_cronjob_environment_secret === 'string' ? config.logical_backup_cronjob_environment_secret : '';
  const [podEnv, logicalSecret] = await Promise.all([
    podEnvironment(kc, config, namespace),
    logicalName ? readSecret(kc.makeApiClient(k8s.CoreV1Api), namespace, logicalName) : Promise.resolve(undefined),
  ]);
  return {
    note: o.note,
    operatorConfig: {
      where,
      config,
      ...(podEnv ? { podEnv } : {}),
      ...(logicalSecret ? { logicalEnv: { where: `Secret ${namespace}/${logicalName}`, values: logicalSecret, refs: Object.fromEntries(Object.keys(logicalSecret).map((k) => [k, { name: logicalName, key: k }])) } } : {}),
    },
  };
}

/**
 * Everything in one call: flags > env > the cluster's spec.env > the operator's pod environment > its
 * configuration keys. `cluster` is the live postgresql object when there is one.
 */
export async function loadBackupS3(
  kc: k8s.KubeConfig | undefined,
  o: { flags?: BackupS3Flags; env?: NodeJS.ProcessEnv; operatorConfig?: string; namespace: string; cluster?: { name: string; env?: k8s.V1EnvVar[] } },
): Promise<LoadedS3> {
  const env = o.env ?? process.env;
  const { operatorConfig, note } = await loadOperatorS3(kc, o);
  const clusterEnv = kc && o.cluster ? await clusterEnvSource(kc, o.namespace, o.cluster.name, o.cluster.env) : undefined;
  return { settings: resolveBackupS3({ flags: o.flags, env, operatorConfig, clusterEnv }), operatorConfig: note };
}

/**
 * The catalog's settings from resolved ones: one client per store (they may differ in endpoint or keys); sentinels
 * read once, kept on disk (`sentinels`: one cache shared by the stores of one process, so none overwrites another's file).
 */
export async function catalogSettingsFrom(r: ResolvedBackupS3, timeoutMs = 20_000, sentinels?: Promise<SentinelCache>) {
  const { createS3Client } = await import('../s3/client.ts');
  const s3 = createS3Client({ ...r.wal.s3, timeoutMs });
  const sameStore = JSON.stringify(r.logical.s3) === JSON.stringify(r.wal.s3);
  return {
    s3,
    walBucket: r.wal.bucket,
    logicalBucket: r.logical.bucket,
    logicalPrefix: r.logical.prefix,
    scopePrefix: r.scopePrefix,
    ...(sameStore ? {} : { logicalS3: createS3Client({ ...r.logical.s3, timeoutMs }) }),
    sentinels: await (sentinels ?? sentinelCache()),
  };
}
