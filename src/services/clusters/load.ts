// One-shot reads for the plain CLI: postgresqls and their pods into the store,
// so `zpg list` and `zpg status` derive their rows exactly as the console does.
import * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';

const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' };

export async function loadClusters(kc: k8s.KubeConfig, store: ZpgStore, namespace: string | undefined, timeoutMs = 10_000, selector?: string): Promise<void> {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const labelSelector = 'cluster-name';
  const deadline = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs).unref())]);
  const [pgs, pods] = await Promise.all([
    deadline(namespace ? custom.listNamespacedCustomObject({ ...PG, namespace, labelSelector: selector }) : custom.listClusterCustomObject({ ...PG, labelSelector: selector })) as Promise<{ items: object[] }>,
    deadline(namespace ? core.listNamespacedPod({ namespace, labelSelector }) : core.listPodForAllNamespaces({ labelSelector })),
  ]);
  const s = store.getState();
  for (const pg of pgs.items) s.upsert('postgresqls', pg);
  for (const pod of pods.items) s.upsert('pods', pod as never);
}
