// The open cluster's history and replication, for the console's h and r panes.
// Both cost a port-forward (replication: one SQL session per member), so they
// are read only while their pane is on screen (`focus.pane`), every
// `intervalMs`, each read under a deadline so a member that hangs cannot
// freeze the pane: it says what timed out and tries again on the next tick.
import type { ZpgStore } from '../../store/store.ts';
import type { HistoryReport } from '../clusters/history.ts';
import type { ReplicationReport } from '../replication/types.ts';

export interface DetailReaders {
  history(namespace: string, name: string): Promise<HistoryReport>;
  replication(namespace: string, name: string): Promise<ReplicationReport>;
}

export interface DetailFeedOptions {
  /** between the end of one read and the start of the next */
  intervalMs?: { history?: number; replication?: number };
  /** for one whole read (every member) */
  timeoutMs?: number;
}

export interface DetailFeed {
  stop(): void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function startDetailFeed(store: ZpgStore, readers: DetailReaders, opts: DetailFeedOptions = {}): DetailFeed {
  const every = { history: opts.intervalMs?.history ?? 5_000, replication: opts.intervalMs?.replication ?? 2_000 };
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let current = '';
  let generation = 0;
  let timer: NodeJS.Timeout | undefined;

  const readOnce = async (pane: 'history' | 'replication', key: string, gen: number) => {
    const [namespace, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    const s = store.getState();
    if (pane === 'history') {
      const prev = s.history?.cluster === key ? s.history : undefined;
      try {
        const r = await withDeadline(readers.history(namespace, name), timeoutMs, 'Patroni /history');
        if (gen === generation) store.getState().setHistory({ cluster: key, rows: r.rows, via: r.via, at: Date.now() });
      } catch (e) {
        // what was read last stays on screen, with why it is not newer
        if (gen === generation) store.getState().setHistory({ cluster: key, rows: prev?.rows ?? [], via: prev?.via, at: prev?.at ?? 0, error: message(e) });
      }
    } else {
      const prev = s.replication?.cluster === key ? s.replication : undefined;
      try {
        const report = await withDeadline(readers.replication(namespace, name), timeoutMs, 'the replication readout');
        if (gen === generation) store.getState().setReplication({ cluster: key, report, at: Date.now() });
      } catch (e) {
        if (gen === generation) store.getState().setReplication({ cluster: key, report: prev?.report, at: prev?.at ?? 0, error: message(e) });
      }
    }
  };

  const loop = async (pane: 'history' | 'replication', key: string, gen: number) => {
    await readOnce(pane, key, gen);
    if (gen === generation) timer = setTimeout(() => void loop(pane, key, gen), every[pane]);
  };

  const follow = () => {
    const { cluster, pane } = store.getState().focus;
    const want = cluster && pane ? `${pane} ${cluster}` : '';
    if (want === current) return;
    current = want;
    clearTimeout(timer);
    const gen = ++generation;
    // A readout off screen would silently age: drop what is not shown.
    const s = store.getState();
    if (s.history && !(pane === 'history' && s.history.cluster === cluster)) s.setHistory(undefined);
    if (s.replication && !(pane === 'replication' && s.replication.cluster === cluster)) s.setReplication(undefined);
    if (cluster && pane) void loop(pane, cluster, gen);
  };

  const unsubscribe = store.subscribe((s, before) => {
    if (s.focus !== before.focus) follow();
  });
  follow();
  return {
    stop() {
      unsubscribe();
      clearTimeout(timer);
      generation++;
    },
  };
}
