// Keeps the store live: informers on postgresqls, on the pods and statefulsets
// of Spilo clusters and on events, in one namespace or all, switchable without
// a restart. Watch events are coalesced into one store update per `batchMs`
// (a first list of 3,000 pods is one render, not 3,000). Failures land in the
// store's status line with what to do, never as a crash, and mark what is on
// screen stale until a probe of the failing list succeeds again.
import * as k8s from '@kubernetes/client-node';
import type { Change, Kind, ZpgStore } from '../../store/store.ts';
import { ResilientInformer } from '../kube/informer.ts';
import { describeKubeError } from '../kube/config.ts';

const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' };
const CLUSTER_SELECTOR = 'cluster-name';

export interface ClusterFeed {
  setNamespace(namespace: string | undefined): void;
  /** the informers' first lists of clusters and pods are in the store: a one-shot picture would only be older */
  listed(): boolean;
  stop(): Promise<void>;
}

export interface ClusterFeedOptions {
  batchMs?: number;
  probeMs?: number;
  /**
   * The store already shows a first picture (the console reads one through the lite client while
   * client-node loads): keep it on screen until the informers have listed, then drop what they did not list.
   */
  keepFirst?: boolean;
}

type List = (limit?: number) => Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;

interface Source {
  kind: Kind;
  path: string;
  labelSelector?: string;
  list: List;
}

function sources(kc: k8s.KubeConfig, ns: string | undefined): Source[] {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const labelSelector = CLUSTER_SELECTOR;
  const at = (cluster: string, namespaced: string) => (ns ? namespaced : cluster);
  return [
    {
      kind: 'postgresqls',
      path: at(`/apis/${PG.group}/${PG.version}/${PG.plural}`, `/apis/${PG.group}/${PG.version}/namespaces/${ns}/${PG.plural}`),
      list: (limit) => (ns ? custom.listNamespacedCustomObject({ ...PG, namespace: ns, limit }) : custom.listClusterCustomObject({ ...PG, limit })) as ReturnType<List>,
    },
    {
      kind: 'pods',
      path: at('/api/v1/pods', `/api/v1/namespaces/${ns}/pods`),
      labelSelector,
      list: (limit) => (ns ? core.listNamespacedPod({ namespace: ns, labelSelector, limit }) : core.listPodForAllNamespaces({ labelSelector, limit })),
    },
    {
      kind: 'statefulsets',
      path: at('/apis/apps/v1/statefulsets', `/apis/apps/v1/namespaces/${ns}/statefulsets`),
      labelSelector,
      list: (limit) => (ns ? apps.listNamespacedStatefulSet({ namespace: ns, labelSelector, limit }) : apps.listStatefulSetForAllNamespaces({ labelSelector, limit })),
    },
    {
      kind: 'events',
      path: at('/api/v1/events', `/api/v1/namespaces/${ns}/events`),
      list: (limit) => (ns ? core.listNamespacedEvent({ namespace: ns, limit }) : core.listEventForAllNamespaces({ limit })),
    },
  ];
}

export function startClusterFeed(kc: k8s.KubeConfig, store: ZpgStore, namespace: string | undefined, server: string, opts: ClusterFeedOptions = {}): ClusterFeed {
  const batchMs = opts.batchMs ?? 50;
  const probeMs = opts.probeMs ?? 2_000;
  let informers: ResilientInformer<k8s.KubernetesObject>[] = [];
  let pending: Change[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let generation = 0;
  let listedGen = -1;
  const failing = new Set<Source>();

  const flush = () => {
    flushTimer = undefined;
    const changes = pending;
    pending = [];
    store.getState().apply(changes);
  };
  const queue = (gen: number, c: Change) => {
    if (gen !== generation) return;
    pending.push(c);
    flushTimer ??= setTimeout(flush, batchMs);
  };

  /** Until every failing list answers again, what is on screen is marked stale. */
  const probe = (gen: number) => {
    probeTimer = undefined;
    if (gen !== generation || failing.size === 0) return;
    void Promise.all(
      [...failing].map((s) =>
        s.list(1).then(
          () => failing.delete(s),
          () => {},
        ),
      ),
    ).then(() => {
      if (gen !== generation) return;
      if (failing.size === 0) store.getState().setWatchError(undefined);
      else probeTimer ??= setTimeout(() => probe(gen), probeMs);
    });
  };

  const start = (ns: string | undefined, keep = false) => {
    const gen = ++generation;
    const s = store.getState();
    clearTimeout(flushTimer);
    flushTimer = undefined;
    pending = [];
    failing.clear();
    const context = { ...s.context, namespace: ns ?? s.context.namespace, allNamespaces: ns === undefined };
    // The pod index goes with the pods: a survivor would count every pod twice once they are listed again.
    if (keep) store.setState({ context });
    else store.setState({ postgresqls: {}, pods: {}, podsByCluster: {}, statefulsets: {}, events: {}, synced: false, context });
    s.setWatchError(undefined);
    informers = sources(kc, ns).map((src) => {
      const onError = (e: unknown) => {
        if (gen !== generation) return;
        const text = describeKubeError(e, server);
        failing.add(src);
        store.getState().say('error', text);
        store.getState().setWatchError(text);
        probeTimer ??= setTimeout(() => probe(gen), probeMs);
      };
      const inf = new ResilientInformer<k8s.KubernetesObject>(kc, { path: src.path, labelSelector: src.labelSelector, list: () => src.list(), onError });
      inf.on('add', (o) => queue(gen, { op: 'upsert', kind: src.kind, obj: o }));
      inf.on('update', (o) => queue(gen, { op: 'upsert', kind: src.kind, obj: o }));
      inf.on('delete', (o) => queue(gen, { op: 'remove', kind: src.kind, obj: o }));
      inf.start().catch(onError);
      return inf;
    });
    // Clusters and their pods listed: show them at once, and let "no clusters" mean none.
    const listing = informers.slice(0, 2);
    void Promise.all(listing.map((i) => i.synced)).then(() => {
      if (gen !== generation) return;
      clearTimeout(flushTimer);
      flush();
      if (keep) {
        // What the first picture showed and the informers did not list is gone by now.
        const st = store.getState();
        const gone = (kind: 'postgresqls' | 'pods', inf: ResilientInformer<k8s.KubernetesObject>): Change[] => {
          const live = new Set(inf.list().map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
          return Object.entries(st[kind])
            .filter(([key]) => !live.has(key))
            .map(([, obj]) => ({ op: 'remove' as const, kind, obj }));
        };
        st.apply([...gone('postgresqls', listing[0]), ...gone('pods', listing[1])]);
      }
      listedGen = gen;
      store.setState({ synced: true });
    });
  };

  start(namespace, opts.keepFirst === true);
  return {
    listed: () => listedGen === generation,
    setNamespace(ns) {
      const old = informers;
      void Promise.all(old.map((i) => i.stop()));
      start(ns);
    },
    async stop() {
      generation++;
      clearTimeout(flushTimer);
      clearTimeout(probeTimer);
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
