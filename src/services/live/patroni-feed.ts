// Patroni's own view of the cluster on screen: GET /cluster on the leader (or
// any member that answers), every `intervalMs`, backing off while no member
// answers. Only `focus.cluster` is polled: the clusters list reads what Patroni
// writes into the pods' `status` annotations, which the informers bring for
// free, instead of a port-forward per cluster per tick.
import type { ZpgStore } from '../../store/store.ts';
import { podsOf } from '../../store/selectors.ts';
import type { PodLike } from '../clusters/summary.ts';
import { PatroniClient, type PatroniTransport } from '../patroni/client.ts';
import type { MemberAddress } from '../patroni/transports.ts';

export interface PatroniFeedOptions {
  transportFor: (m: MemberAddress) => PatroniTransport;
  intervalMs?: number;
  maxBackoffMs?: number;
  /** per HTTP call */
  timeoutMs?: number;
  roleLabel?: string;
}

export interface PatroniFeed {
  stop(): void;
}

const LEADER_LABELS = new Set(['master', 'primary']);

/** The leader first (by its role label), then ready pods, then the rest: the first to answer wins. */
export function candidates(pods: PodLike[], roleLabel = 'spilo-role'): PodLike[] {
  const rank = (p: PodLike) =>
    (LEADER_LABELS.has(p.metadata?.labels?.[roleLabel] ?? '') ? 0 : 2) + (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 0 : 1);
  return pods.filter((p) => p.status?.podIP || p.status?.phase === 'Running').sort((a, b) => rank(a) - rank(b));
}

export function startPatroniFeed(store: ZpgStore, opts: PatroniFeedOptions): PatroniFeed {
  const interval = opts.intervalMs ?? 2_000;
  const maxBackoff = opts.maxBackoffMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 3_000;
  let current: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let generation = 0;
  let failures = 0;

  const poll = async (key: string, gen: number) => {
    const [namespace] = key.split('/');
    const pods = candidates(podsOf(store.getState(), key), opts.roleLabel);
    let lastError = pods.length ? '' : 'no running member pods';
    for (const p of pods) {
      const pod = p.metadata?.name ?? '';
      try {
        const view = await new PatroniClient(opts.transportFor({ namespace, pod, podIP: p.status?.podIP }), timeoutMs).cluster();
        if (gen !== generation) return;
        failures = 0;
        store.getState().setPatroni(key, { members: view.members, paused: view.paused, at: Date.now(), via: pod });
        return;
      } catch (e) {
        lastError = `${pod}: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (gen !== generation) return;
    }
    failures++;
    const prev = store.getState().patroni[key];
    store.getState().setPatroni(key, { members: prev?.members ?? [], at: prev?.at ?? 0, via: prev?.via, error: lastError, failedSince: prev?.failedSince ?? Date.now() });
  };

  const loop = async (key: string, gen: number) => {
    await poll(key, gen);
    if (gen !== generation) return;
    const delay = failures ? Math.min(interval * 2 ** (failures - 1), maxBackoff) : interval;
    timer = setTimeout(() => void loop(key, gen), delay);
  };

  const follow = (key: string | undefined) => {
    if (key === current) return;
    clearTimeout(timer);
    generation++;
    failures = 0;
    const left = current;
    current = key; // before the store write below, which calls back into this subscriber
    // A cluster off screen is not polled, so its REST view would silently age: drop it.
    if (left) store.getState().setPatroni(left, undefined);
    if (key) void loop(key, generation);
  };

  const unsubscribe = store.subscribe((s) => follow(s.focus.cluster));
  follow(store.getState().focus.cluster);
  return {
    stop() {
      unsubscribe();
      clearTimeout(timer);
      generation++;
    },
  };
}
