// What a task knows about its cluster at one moment: the manifest, the pods,
// Patroni's view (from the first member that answers, the leader first) and
// the one health judgement the operator and the console also use.
import * as k8s from '@kubernetes/client-node';
import { ROLLING_UPDATE_ANNOTATION } from '../../operator/build/meta.ts';
import { judgeHealth, SPILO_MAX_LAG_BYTES, type HealthJudgement, type MemberFacts } from '../../operator/reconcile/health.ts';
import { candidates } from '../live/patroni-feed.ts';
import { PatroniClient, type PatroniTransport } from '../patroni/client.ts';
import type { MemberAddress } from '../patroni/transports.ts';
import { isLeaderRole, type ClusterMember, type ClusterView } from '../patroni/types.ts';
import { UnknownTarget } from './types.ts';
import { compareNames } from '../clusters/member-order.ts';

export const PG = { group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls' } as const;

export interface TaskEnv {
  kc: k8s.KubeConfig;
  namespace: string;
  transportFor: (m: MemberAddress) => PatroniTransport;
  /** per Patroni read while polling */
  patroniTimeoutMs?: number;
}

export interface PostgresqlObject {
  metadata?: { name?: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  spec?: { numberOfInstances?: number; patroni?: { maximum_lag_on_failover?: number } };
  status?: { PostgresClusterStatus?: string } | string;
}

export interface ClusterFacts {
  namespace: string;
  name: string;
  pg: PostgresqlObject;
  pods: k8s.V1Pod[];
  /** Patroni's /cluster, when a member answered */
  patroni?: ClusterView;
  /** the member that answered */
  via?: string;
  patroniError?: string;
  maxLagBytes: number;
  health: HealthJudgement;
}

const podPhase = (p: k8s.V1Pod) => (p.metadata?.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending'));
const podReady = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export const statusOf = (pg: PostgresqlObject) => (typeof pg.status === 'string' ? pg.status : (pg.status?.PostgresClusterStatus ?? ''));

async function readPostgresql(env: TaskEnv, name: string): Promise<PostgresqlObject> {
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    return (await custom.getNamespacedCustomObject({ ...PG, namespace: env.namespace, name })) as PostgresqlObject;
  } catch (e) {
    if ((e as { code?: number }).code !== 404) throw e;
    const all = (await custom.listNamespacedCustomObject({ ...PG, namespace: env.namespace })) as { items: PostgresqlObject[] };
    const names = all.items.map((i) => i.metadata?.name).filter(Boolean).sort();
    throw new UnknownTarget(`cluster "${name}" not found in namespace ${env.namespace}; clusters there: ${names.join(', ') || 'none'}`);
  }
}

/** GET /cluster from the first member that answers: the leader by its label first. */
export async function patroniView(env: TaskEnv, pods: k8s.V1Pod[]): Promise<{ view?: ClusterView; via?: string; error?: string }> {
  let error = 'no running member pods';
  for (const p of candidates(pods as never) as k8s.V1Pod[]) {
    const pod = p.metadata?.name ?? '';
    try {
      return { view: await clientFor(env, p).cluster(), via: pod };
    } catch (e) {
      error = `${pod}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return { error };
}

export function clientFor(env: TaskEnv, pod: k8s.V1Pod, timeoutMs = env.patroniTimeoutMs ?? 4_000): PatroniClient {
  return new PatroniClient(env.transportFor({ namespace: env.namespace, pod: pod.metadata?.name ?? '', podIP: pod.status?.podIP }), timeoutMs);
}

export function judge(pg: PostgresqlObject, pods: k8s.V1Pod[], members: ClusterMember[] | undefined, maxLagBytes: number): HealthJudgement {
  const byName = new Map((members ?? []).map((m) => [m.name, m]));
  const facts: MemberFacts[] = pods.map((p) => {
    const m = byName.get(p.metadata?.name ?? '');
    return { name: p.metadata?.name ?? '', role: m?.role ?? 'unknown', state: m?.state ?? 'not in Patroni', lagBytes: m?.lagBytes, podReady: podReady(p), podPhase: podPhase(p) };
  });
  return judgeHealth(facts, { wanted: pg.spec?.numberOfInstances ?? pods.length, maxLagBytes });
}

export async function loadFacts(env: TaskEnv, name: string): Promise<ClusterFacts> {
  const pg = await readPostgresql(env, name);
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const pods = (await core.listNamespacedPod({ namespace: env.namespace, labelSelector: `cluster-name=${name}` })).items.sort((a, b) =>
    compareNames(a.metadata?.name ?? '', b.metadata?.name ?? ''),
  );
  const { view, via, error } = await patroniView(env, pods);
  const maxLagBytes = pg.spec?.patroni?.maximum_lag_on_failover ?? SPILO_MAX_LAG_BYTES;
  return { namespace: env.namespace, name, pg, pods, patroni: view, via, patroniError: error, maxLagBytes, health: judge(pg, pods, view?.members, maxLagBytes) };
}

export const memberNames = (f: ClusterFacts) => f.pods.map((p) => p.metadata?.name ?? '');

export function podOf(f: ClusterFacts, member: string): k8s.V1Pod {
  const pod = f.pods.find((p) => p.metadata?.name === member);
  if (!pod) throw new UnknownTarget(`member "${member}" not found in cluster ${f.name}; its members: ${memberNames(f).join(', ') || 'none'}`);
  return pod;
}

export function memberOf(f: ClusterFacts, member: string): ClusterMember | undefined {
  return f.patroni?.members.find((m) => m.name === member);
}

/** Patroni's leader, else the pod its label names. */
export function leaderOf(f: ClusterFacts): string | undefined {
  return f.patroni?.members.find((m) => isLeaderRole(m.role))?.name ?? f.pods.find((p) => ['master', 'primary'].includes(p.metadata?.labels?.['spilo-role'] ?? ''))?.metadata?.name;
}

/** The operator's rolling update in progress: pods it marked, which it will replace one by one. */
export function rolloutInProgress(f: ClusterFacts): string | undefined {
  const marked = f.pods.filter((p) => p.metadata?.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true').map((p) => p.metadata?.name);
  if (marked.length === 0) return undefined;
  return `the operator's rolling update is in progress (status ${statusOf(f.pg) || 'unknown'}; pods still to replace: ${marked.join(', ')}); try again when it has finished`;
}

/** Replicas a switchover or failover may go to: fit members without nofailover, least lag first. */
export function failoverCandidates(f: ClusterFacts): ClusterMember[] {
  const fit = new Set(f.health.members.filter((m) => m.fit).map((m) => m.name));
  return (f.patroni?.members ?? [])
    .filter((m) => !isLeaderRole(m.role) && fit.has(m.name) && m.tags?.nofailover !== true)
    .sort((a, b) => (a.lagBytes ?? 0) - (b.lagBytes ?? 0) || compareNames(a.name, b.name));
}
