// A one-shot picture of the clusters for the plain CLI: postgresqls, their
// pods and Patroni's DCS objects, read once (the lite client when the
// kubeconfig allows it, client-node otherwise) and summarised as the console
// summarises them.
import { clusterRows, createZpgStore, type ZpgStore } from '../../store/store.ts';
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { kubeJson } from '../kube/lite/request.ts';
import { dcsFacts, type DcsFacts, type DcsObjectLike } from './dcs.ts';
import { listRow, type ListRow } from './list-row.ts';
import { loadClustersLite, MEMBER_SELECTOR } from './load-lite.ts';
import type { ClusterRow } from './summary.ts';

export interface Snapshot {
  store: ZpgStore;
  rows: ClusterRow[];
  dcs: Map<string, DcsFacts>;
  /** where a watch of postgresqls and pods continues from */
  versions: { postgresqls: string; pods: string };
}

/** Endpoints (or ConfigMaps) carrying cluster-name: Patroni's config and failover keys. Unreadable (RBAC) means unknown, not an error. */
async function dcsObjects(k: LiteKube, namespace: string | undefined): Promise<DcsObjectLike[]> {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const read = (kind: string) =>
    kubeJson<{ items: DcsObjectLike[] }>(k, { path: `/api/v1${ns}/${kind}?labelSelector=${MEMBER_SELECTOR}`, timeoutMs: 10_000 }).then(
      (l) => l.items,
      () => [],
    );
  const endpoints = await read('endpoints');
  // Zalando's default keeps the DCS in Endpoints; ConfigMaps only with kubernetes_use_configmaps: ask only then.
  return endpoints.some((e) => e.metadata?.name?.endsWith('-config')) ? endpoints : [...endpoints, ...(await read('configmaps'))];
}

export async function liteSnapshot(k: LiteKube, namespace: string | undefined, selector?: string): Promise<Snapshot> {
  const store = createZpgStore({ name: k.context, namespace: k.namespace, allNamespaces: namespace === undefined });
  const [versions, dcs] = await Promise.all([loadClustersLite(k, store, namespace, selector), dcsObjects(k, namespace)]);
  return { store, rows: clusterRows(store.getState()), dcs: dcsFacts(dcs), versions };
}

/** The picture from a store someone else filled (client-node's path, for kubeconfigs the lite client does not speak). */
export function storeSnapshot(store: ZpgStore): Snapshot {
  return { store, rows: clusterRows(store.getState()), dcs: new Map(), versions: { postgresqls: '', pods: '' } };
}

export function listRows(s: Pick<Snapshot, 'rows' | 'dcs'>): ListRow[] {
  return s.rows.map((r) => listRow(r, s.dcs.get(`${r.namespace}/${r.name}`), scheduledRestarts(r)));
}

function scheduledRestarts(r: ClusterRow): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const m of r.members) if (m.scheduledRestart) out[m.name] = m.scheduledRestart;
  return out;
}
