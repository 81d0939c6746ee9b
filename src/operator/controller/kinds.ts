// The kinds the controller watches: postgresqls, and everything it creates for
// them, selected by the cluster-name label so a busy namespace's other objects
// never reach the cache.

export interface WatchedKind {
  kind: string;
  apiVersion: string;
  plural: string;
  /** watch only objects that carry the cluster-name label */
  owned: boolean;
  /** watch only objects with this name (the per-namespace pod ServiceAccount and RoleBinding) */
  byName?: 'pod_service_account_name';
}

export const POSTGRESQL: WatchedKind = { kind: 'postgresql', apiVersion: 'acid.zalan.do/v1', plural: 'postgresqls', owned: false };

/** watched on its own, only while enable_postgres_team_crd is on (see team-watch.ts) */
export const POSTGRES_TEAM: WatchedKind = { kind: 'PostgresTeam', apiVersion: 'acid.zalan.do/v1', plural: 'postgresteams', owned: false };

export const WATCHED_KINDS: WatchedKind[] = [
  POSTGRESQL,
  { kind: 'StatefulSet', apiVersion: 'apps/v1', plural: 'statefulsets', owned: true },
  { kind: 'Service', apiVersion: 'v1', plural: 'services', owned: true },
  { kind: 'Endpoints', apiVersion: 'v1', plural: 'endpoints', owned: true },
  { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', owned: true },
  { kind: 'PodDisruptionBudget', apiVersion: 'policy/v1', plural: 'poddisruptionbudgets', owned: true },
  { kind: 'CronJob', apiVersion: 'batch/v1', plural: 'cronjobs', owned: true },
  { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', owned: true },
  { kind: 'Pod', apiVersion: 'v1', plural: 'pods', owned: true },
  { kind: 'ServiceAccount', apiVersion: 'v1', plural: 'serviceaccounts', owned: false, byName: 'pod_service_account_name' },
  { kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'rolebindings', owned: false, byName: 'pod_service_account_name' },
];

/** REST path of a collection, all namespaces when `namespace` is undefined */
export function collectionPath(k: Pick<WatchedKind, 'apiVersion' | 'plural'>, namespace?: string): string {
  const root = k.apiVersion.includes('/') ? `/apis/${k.apiVersion}` : `/api/${k.apiVersion}`;
  return namespace ? `${root}/namespaces/${namespace}/${k.plural}` : `${root}/${k.plural}`;
}
