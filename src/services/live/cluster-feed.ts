// Keeps the store live: informers on postgresqls and on the pods of Spilo
// clusters, in one namespace or all, switchable without a restart. Failures
// land in the store's status line with what to do, never as a crash.
import * as k8s from '@kubernetes/client-node';
import type { ZpgStore } from '../../store/store.ts';
import { ResilientInformer } from '../kube/informer.ts';
import { describeKubeError } from '../kube/config.ts';

const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' };
const POD_SELECTOR = 'cluster-name';

export interface ClusterFeed {
  setNamespace(namespace: string | undefined): void;
  stop(): Promise<void>;
}

export function startClusterFeed(kc: k8s.KubeConfig, store: ZpgStore, namespace: string | undefined, server: string): ClusterFeed {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let informers: ResilientInformer<k8s.KubernetesObject>[] = [];
  const onError = (e: unknown) => store.getState().say('error', describeKubeError(e, server));

  const start = (ns: string | undefined) => {
    const s = store.getState();
    store.setState({ postgresqls: {}, pods: {}, context: { ...s.context, namespace: ns ?? s.context.namespace, allNamespaces: ns === undefined } });
    const pgPath = ns ? `/apis/${PG.group}/${PG.version}/namespaces/${ns}/${PG.plural}` : `/apis/${PG.group}/${PG.version}/${PG.plural}`;
    const podPath = ns ? `/api/v1/namespaces/${ns}/pods` : '/api/v1/pods';
    const pgs = new ResilientInformer<k8s.KubernetesObject>(kc, {
      path: pgPath,
      list: () => (ns ? custom.listNamespacedCustomObject({ ...PG, namespace: ns }) : custom.listClusterCustomObject(PG)) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
      onError,
    });
    const pods = new ResilientInformer<k8s.KubernetesObject>(kc, {
      path: podPath,
      labelSelector: POD_SELECTOR,
      list: () => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector: POD_SELECTOR }) : core.listPodForAllNamespaces({ labelSelector: POD_SELECTOR })),
      onError,
    });
    for (const [inf, kind] of [[pgs, 'postgresqls'], [pods, 'pods']] as const) {
      inf.on('add', (o) => store.getState().upsert(kind, o));
      inf.on('update', (o) => store.getState().upsert(kind, o));
      inf.on('delete', (o) => store.getState().remove(kind, o));
      inf.start().catch(onError);
    }
    informers = [pgs, pods];
  };

  start(namespace);
  return {
    setNamespace(ns) {
      const old = informers;
      void Promise.all(old.map((i) => i.stop()));
      start(ns);
    },
    async stop() {
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
