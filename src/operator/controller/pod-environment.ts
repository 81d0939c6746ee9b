// What the builders need from objects the configuration names, read from the
// API when a reconcile needs them: pod_environment_configmap (its values become
// plain env), pod_environment_secret and logical_backup_cronjob_environment_secret
// (only their key names: the pods get secretKeyRefs, and no value is kept, so
// none can reach a log). Zalando reads them on every sync, and so does this,
// with a short freshness window so a resync of many clusters reads each once.
import * as k8s from '@kubernetes/client-node';
import type { BuildInputs } from '../build/cluster.ts';
import type { OperatorConfig } from '../config/keys.ts';
import { errorText } from '../../services/kube/config.ts';
import { withTimeout } from '../../services/postgres/credentials.ts';

export type PodEnvironmentConfig = Pick<OperatorConfig, 'pod_environment_configmap' | 'pod_environment_secret' | 'logical_backup_cronjob_environment_secret'>;

/** The build inputs for a cluster in `namespace`; rejects with a one-line reason (its message) naming the key and the object. */
export type PodEnvironmentReader = (namespace: string, config: PodEnvironmentConfig, logicalBackup: boolean) => Promise<BuildInputs>;

const FRESH_MS = 10_000;
const notFound = (e: unknown) => (e as { code?: number }).code === 404;

export function podEnvironmentReader(kc: k8s.KubeConfig, operatorNamespace: string, timeoutMs = 10_000, freshMs = FRESH_MS): PodEnvironmentReader {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  const fresh = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < freshMs) return hit.value as Promise<T>;
    const value = read();
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key)); // a failure is asked again next time
    return value;
  };

  /** Zalando's NamespacedName: "ns/name", or a name in the operator's namespace, then (not found) in the cluster's */
  const configMap = (value: string, clusterNamespace: string) =>
    fresh(`cm|${value}|${clusterNamespace}`, async () => {
      const slash = value.indexOf('/');
      const [ns, name] = slash >= 0 ? [value.slice(0, slash), value.slice(slash + 1)] : [operatorNamespace, value];
      const places = ns === clusterNamespace ? [ns] : [ns, clusterNamespace];
      for (const where of places) {
        try {
          const cm = await withTimeout(core.readNamespacedConfigMap({ namespace: where, name }), timeoutMs, `reading ConfigMap ${where}/${name}`);
          return cm.data ?? {};
        } catch (e) {
          if (!notFound(e)) throw new Error(`pod_environment_configmap: could not read ConfigMap ${where}/${name}: ${errorText(e)}`, { cause: e });
        }
      }
      throw new Error(`pod_environment_configmap: ConfigMap ${name} not found in ${places.join(' or ')}: create it or fix the configuration`);
    });

  const secretKeys = (configKey: string, name: string, namespace: string) =>
    fresh(`secret|${namespace}/${name}`, async () => {
      try {
        const s = await withTimeout(core.readNamespacedSecret({ namespace, name }), timeoutMs, `reading Secret ${namespace}/${name}`);
        return Object.keys(s.data ?? {}); // the values are dropped here, unread
      } catch (e) {
        if (notFound(e)) throw new Error(`${configKey}: Secret ${namespace}/${name} not found: create it or fix the configuration`, { cause: e });
        throw new Error(`${configKey}: could not read Secret ${namespace}/${name}: ${errorText(e)}`, { cause: e });
      }
    });

  return async (namespace, config, logicalBackup) => {
    const inputs: BuildInputs = {};
    if (config.pod_environment_configmap) inputs.configMap = await configMap(config.pod_environment_configmap, namespace);
    if (config.pod_environment_secret) {
      inputs.secretName = config.pod_environment_secret;
      inputs.secretKeys = await secretKeys('pod_environment_secret', config.pod_environment_secret, namespace);
    }
    if (logicalBackup && config.logical_backup_cronjob_environment_secret) {
      inputs.backupSecretKeys = await secretKeys('logical_backup_cronjob_environment_secret', config.logical_backup_cronjob_environment_secret, namespace);
    }
    return inputs;
  };
}
