// One-shot reads for the plain CLI without client-node: postgresqls and their
// pods into the store over the lite client, so `zpg list` starts as fast as
// kubectl and derives its rows exactly as the console does.
import type { ZpgStore } from '../../store/store.ts';
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { kubeJson } from '../kube/lite/request.ts';

export const PG_PATH = '/apis/acid.zalan.do/v1';
export const MEMBER_SELECTOR = 'cluster-name';

interface List {
  metadata?: { resourceVersion?: string };
  items: object[];
}

export interface ListPaths {
  postgresqls: string;
  pods: string;
}

/** where the lists live, in one namespace or all; `selector` narrows the postgresqls (kubectl's -l) */
export function listPaths(namespace: string | undefined, selector?: string): ListPaths {
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const pgQuery = selector ? `?labelSelector=${encodeURIComponent(selector)}` : '';
  return { postgresqls: `${PG_PATH}${ns}/postgresqls${pgQuery}`, pods: `/api/v1${ns}/pods?labelSelector=${MEMBER_SELECTOR}` };
}

/** Fills the store; answers the lists' resource versions, where a watch starts. */
export async function loadClustersLite(k: LiteKube, store: ZpgStore, namespace: string | undefined, selector?: string, timeoutMs = 10_000): Promise<{ postgresqls: string; pods: string }> {
  const paths = listPaths(namespace, selector);
  const [pgs, pods] = await Promise.all([kubeJson<List>(k, { path: paths.postgresqls, timeoutMs }), kubeJson<List>(k, { path: paths.pods, timeoutMs })]);
  store.getState().apply([
    ...pgs.items.map((obj) => ({ op: 'upsert' as const, kind: 'postgresqls' as const, obj })),
    ...pods.items.map((obj) => ({ op: 'upsert' as const, kind: 'pods' as const, obj })),
  ]);
  return { postgresqls: pgs.metadata?.resourceVersion ?? '', pods: pods.metadata?.resourceVersion ?? '' };
}
