// Passwords from the cluster's credentials Secrets, read straight from the API
// (the informer cache drops Secret data on purpose). One list per namespace.
import * as k8s from '@kubernetes/client-node';

export interface SecretCredentials {
  username: string;
  password: string;
  /** every key, decoded */
  data: Record<string, string>;
}

/** secret name → its username and password, for Secrets matching a label selector */
export type SecretReader = (namespace: string, labelSelector: string) => Promise<Map<string, SecretCredentials>>;

export function secretReader(kc: k8s.KubeConfig, timeoutMs = 10_000): SecretReader {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return async (namespace, labelSelector) => {
    const list = await withTimeout(core.listNamespacedSecret({ namespace, labelSelector }), timeoutMs, `listing Secrets in ${namespace}`);
    const out = new Map<string, SecretCredentials>();
    for (const s of list.items) {
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)]));
      out.set(s.metadata!.name!, { username: data.username ?? '', password: data.password ?? '', data });
    }
    return out;
  };
}

const decode = (v: string | undefined) => (v ? Buffer.from(v, 'base64').toString('utf8') : '');

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
