// Per-cluster health for /metrics: members up, leader, lag, timeline, paused,
// rollout. Patroni's /cluster answers are cached per cluster: any answer the
// reconcile already got (rolling update switchovers, pending restarts) is kept
// (see observingTransports), a cluster whose reconcile ran is refreshed soon
// after, and an idle one once per interval. One request per cluster per
// refresh, a few clusters at a time, each with a deadline: no poll storm.
// A scrape reads only the cache.
import { parseCluster } from '../../services/patroni/parse.ts';
import { PatroniClient, type PatroniTransport } from '../../services/patroni/client.ts';
import type { MemberAddress } from '../../services/patroni/transports.ts';
import { isHealthyReplica, isLeaderRole, type ClusterView } from '../../services/patroni/types.ts';

export interface WatchedCluster {
  namespace: string;
  name: string;
  /** numberOfInstances */
  expected: number;
  /** its pods as the caches hold them; the one labelled leader first is asked first */
  pods: { name: string; podIP?: string; leader: boolean }[];
  /** a pod carries the rolling-update mark: a rollout is pending or running */
  rolling: boolean;
}

export interface ClusterHealthOptions {
  clusters: () => WatchedCluster[];
  patroni: (m: MemberAddress) => PatroniTransport;
  /** an idle cluster's Patroni is read this often (default 30 s) */
  intervalMs?: number;
  /** a cluster whose reconcile ran is read again after at least this long (default 2 s) */
  minIntervalMs?: number;
  /** per Patroni request (default 3 s) */
  timeoutMs?: number;
  /** clusters read at once (default 4) */
  concurrency?: number;
  now?: () => number;
}

interface Observation {
  view?: ClusterView;
  /** when Patroni last answered (ms) */
  at: number;
  /** when it was last asked (ms), answered or not */
  asked: number;
  reachable: boolean;
  stale: boolean;
}

export interface MemberHealth {
  member: string;
  up: boolean;
  leader: boolean;
  /** replicas only; undefined when Patroni says unknown */
  lagBytes?: number;
  timeline?: number;
}

export interface ClusterHealthRow {
  namespace: string;
  cluster: string;
  expected: number;
  /** false until Patroni answered once: the Patroni-derived series are left out rather than guessed */
  observed: boolean;
  reachable: boolean;
  membersUp: number;
  leaderPresent: boolean;
  timeline?: number;
  paused: boolean;
  rolling: boolean;
  /** unix seconds of the last answer */
  observedAt?: number;
  members: MemberHealth[];
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;
/** a StatefulSet's pod is <cluster>-<ordinal> */
const clusterOfPod = (pod: string) => pod.replace(/-\d+$/, '');

export class ClusterHealth {
  private readonly o: Required<Omit<ClusterHealthOptions, 'clusters' | 'patroni'>> & Pick<ClusterHealthOptions, 'clusters' | 'patroni'>;
  private readonly seen = new Map<string, Observation>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(o: ClusterHealthOptions) {
    this.o = { ...o, intervalMs: o.intervalMs ?? 30_000, minIntervalMs: o.minIntervalMs ?? 2_000, timeoutMs: o.timeoutMs ?? 3_000, concurrency: o.concurrency ?? 4, now: o.now ?? Date.now };
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.tick(), Math.min(1_000, this.o.minIntervalMs));
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** the reconcile looked at this cluster: read its Patroni again soon */
  touch(key: string): void {
    const o = this.seen.get(key);
    if (o) o.stale = true;
  }

  /** a /cluster answer someone else already got */
  observe(key: string, view: ClusterView): void {
    const now = this.o.now();
    this.seen.set(key, { view, at: now, asked: now, reachable: true, stale: false });
  }

  /** wraps Patroni transports so every /cluster answer that passes is kept */
  observingTransports(factory: (m: MemberAddress) => PatroniTransport): (m: MemberAddress) => PatroniTransport {
    return (m) => {
      const t = factory(m);
      return async (req) => {
        const res = await t(req);
        if (req.method === 'GET' && req.path === '/cluster' && res.status === 200) {
          try {
            this.observe(keyOf(m.namespace, clusterOfPod(m.pod)), parseCluster(JSON.parse(res.text)));
          } catch {
            // not ours to judge: the caller gets the answer as it came
          }
        }
        return res;
      };
    };
  }

  /** reads every cluster that is due, a few at a time; resolves when they are read */
  async tick(): Promise<void> {
    const now = this.o.now();
    const clusters = this.o.clusters();
    const live = new Set(clusters.map((c) => keyOf(c.namespace, c.name)));
    for (const k of this.seen.keys()) if (!live.has(k)) this.seen.delete(k); // deleted clusters leave no series
    const due = clusters.filter((c) => {
      const k = keyOf(c.namespace, c.name);
      if (this.busy.has(k)) return false;
      const o = this.seen.get(k);
      if (!o) return true;
      const since = now - o.asked;
      return since >= this.o.intervalMs || (o.stale && since >= this.o.minIntervalMs);
    });
    const room = Math.max(0, this.o.concurrency - this.busy.size);
    await Promise.all(due.slice(0, room).map((c) => this.read(c)));
  }

  private async read(c: WatchedCluster): Promise<void> {
    const k = keyOf(c.namespace, c.name);
    this.busy.add(k);
    try {
      const pods = [...c.pods].sort((a, b) => Number(b.leader) - Number(a.leader));
      for (const p of pods) {
        try {
          const view = await new PatroniClient(this.o.patroni({ namespace: c.namespace, pod: p.name, podIP: p.podIP }), this.o.timeoutMs).cluster();
          this.observe(k, view);
          return;
        } catch {
          // the next member may answer
        }
      }
      const prev = this.seen.get(k);
      const now = this.o.now();
      // No member answered: nothing is up as far as the operator can tell.
      this.seen.set(k, { view: { members: [], paused: prev?.view?.paused ?? false }, at: prev?.at ?? 0, asked: now, reachable: false, stale: false });
    } finally {
      this.busy.delete(k);
    }
  }

  /** what /metrics shows, one row per cluster the caches hold */
  rows(): ClusterHealthRow[] {
    return this.o.clusters().map((c) => {
      const o = this.seen.get(keyOf(c.namespace, c.name));
      const members = (o?.view?.members ?? []).map((m): MemberHealth => {
        const leader = isLeaderRole(m.role);
        const up = leader ? m.state === 'running' : isHealthyReplica(m);
        return { member: m.name, up, leader, timeline: m.timeline, ...(leader ? {} : { lagBytes: m.lagBytes ?? undefined }) };
      });
      const leaderM = members.find((m) => m.leader && m.up);
      return {
        namespace: c.namespace,
        cluster: c.name,
        expected: c.expected,
        observed: o !== undefined,
        reachable: o?.reachable ?? false,
        membersUp: members.filter((m) => m.up).length,
        leaderPresent: leaderM !== undefined,
        timeline: leaderM?.timeline,
        paused: o?.view?.paused ?? false,
        rolling: c.rolling,
        observedAt: o?.at ? Math.floor(o.at / 1000) : undefined,
        members,
      };
    });
  }
}
