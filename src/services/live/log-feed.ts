// The log of the pod on screen (`focus.log`): pods/log with follow=true
// through client-node's Log, into a bounded ring of lines. A stream that ends
// (the container restarted, the server closed it, or a server that does not
// follow) is opened again with the ring's size as tailLines; each connection
// starts a fresh ring, so reconnecting never duplicates lines. When the
// container restarted in between (its restart count, or the pod's uid, moved),
// the lines read so far stay, under a marker line, so the crash stays on screen.
// The previous container's log (focus.logPrevious) is read once, to its end.
import * as k8s from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import type { LogView, ZpgStore } from '../../store/store.ts';
import { RESTART_MARK } from './log-marks.ts';

export interface LogFeedOptions {
  /** lines kept */
  ringSize?: number;
  container?: string;
  /** after a stream ends normally */
  reopenMs?: number;
  maxBackoffMs?: number;
  /** store updates are coalesced to one per this many ms: a chatty log must not render per line */
  flushMs?: number;
  /** how long the API server gets to answer a log request (the stream itself may then run for hours) */
  connectTimeoutMs?: number;
  /** opens the stream; defaults to client-node's Log */
  open?: (namespace: string, pod: string, container: string, out: Writable, opts: k8s.LogOptions) => Promise<AbortController>;
}

export interface LogFeed {
  stop(): void;
}

/** A ring of lines built from chunks that split lines anywhere. */
export class LineRing {
  readonly size: number;
  lines: string[] = [];
  first = 0;
  private partial = '';

  constructor(size: number) {
    this.size = size;
  }

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) this.lines.push(l.replace(/\r$/, ''));
    const over = this.lines.length - this.size;
    if (over > 0) {
      this.lines.splice(0, over);
      this.first += over;
    }
  }

  /** starts from lines kept from an earlier stream, numbered on from `first` */
  seed(lines: readonly string[], first: number): void {
    this.lines = [...lines];
    this.first = first;
    const over = this.lines.length - this.size;
    if (over > 0) {
      this.lines.splice(0, over);
      this.first += over;
    }
  }

  /** the lines with an unfinished last line shown as it stands */
  snapshot(): string[] {
    return this.partial ? [...this.lines, this.partial] : [...this.lines];
  }
}

export function startLogFeed(kc: k8s.KubeConfig, store: ZpgStore, opts: LogFeedOptions = {}): LogFeed {
  const ringSize = opts.ringSize ?? 2_000;
  const reopenMs = opts.reopenMs ?? 1_000;
  const maxBackoff = opts.maxBackoffMs ?? 30_000;
  const flushMs = opts.flushMs ?? 100;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const log = new k8s.Log(kc);
  const open = opts.open ?? ((ns, pod, c, out, o) => log.log(ns, pod, c, out, o));
  let current: string | undefined;
  let previous = false;
  let generation = 0;
  /** the container the last stream read: its restart count and its pod's uid */
  let seen: { restarts: number; uid?: string } | undefined;
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;

  const set = (gen: number, patch: Partial<LogView>) => {
    if (gen !== generation) return;
    const prev = store.getState().log;
    store.getState().setLog({ pod: current!, lines: [], first: 0, state: 'connecting', at: 0, previous, ...(prev && prev.pod === current && Boolean(prev.previous) === previous ? prev : {}), ...patch });
  };

  const connect = (key: string, gen: number, failures: number) => {
    const [namespace, pod] = key.split('/');
    const ring = new LineRing(ringSize);
    const container = opts.container ?? 'postgres';
    if (!previous) {
      const now = containerOf(store.getState().pods[key], container);
      const prev = store.getState().log;
      const moved = seen && now && (now.restarts > seen.restarts || (now.uid && seen.uid && now.uid !== seen.uid));
      if (moved && prev?.pod === key && !prev.previous && prev.lines.length > 0) {
        const why = now.uid !== seen!.uid ? 'the pod was recreated' : `the container restarted (restart ${now.restarts})`;
        ring.seed([...prev.lines, `${RESTART_MARK}${why}; p shows the previous container's log ────`], prev.first);
      } else if (prev?.pod === key && !prev.previous) {
        // The same container again: what was kept above its last marker stays kept.
        const mark = prev.lines.findLastIndex((l) => l.startsWith(RESTART_MARK));
        if (mark >= 0) ring.seed(prev.lines.slice(0, mark + 1), prev.first);
      }
      if (now) seen = now;
    }
    // An attempt given up on (no answer in time) must not touch the store when it answers late.
    let abandoned = false;
    const alive = () => gen === generation && !abandoned;
    let flushTimer: NodeJS.Timeout | undefined;
    let published = false;
    let last = '';
    const flush = () => {
      flushTimer = undefined;
      const lines = ring.snapshot();
      // The same lines again (a reopened stream that brought nothing new) are not news.
      const sig = `${lines.length}|${lines[lines.length - 1] ?? ''}|${ring.first}`;
      if (published && sig === last) return;
      const prev = store.getState().log;
      if (!published && prev?.pod === key && prev.lines.length === lines.length && prev.lines.every((l, i) => l === lines[i])) {
        published = true;
        last = sig;
        if (prev.state !== 'following') set(gen, { state: 'following', error: undefined });
        return;
      }
      published = true;
      last = sig;
      set(gen, { lines, first: ring.first, state: 'following', error: undefined, at: Date.now() });
    };
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (alive()) {
          ring.push(chunk.toString('utf8'));
          flushTimer ??= setTimeout(flush, flushMs);
        }
        cb();
      },
      final(cb) {
        clearTimeout(flushTimer);
        if (alive() && previous) {
          // A dead container's log does not grow: read once, then done.
          flush();
          set(gen, { state: 'complete' });
        } else if (alive()) {
          // Reopened quietly: to the reader the log is still being followed.
          flush();
          timer = setTimeout(() => connect(key, gen, 0), reopenMs);
        }
        cb();
      },
    });
    const retry = (error: string) => {
      set(gen, { state: 'error', error });
      timer = setTimeout(() => connect(key, gen, failures + 1), Math.min(reopenMs * 2 ** failures, maxBackoff));
    };
    const deadline = setTimeout(() => {
      if (!alive()) return;
      abandoned = true;
      retry(`the API server did not answer within ${connectTimeoutMs} ms`);
    }, connectTimeoutMs).unref(); // never what keeps zpg running after q
    open(namespace, pod, container, out, { follow: !previous, previous, tailLines: ringSize }).then(
      (a) => {
        clearTimeout(deadline);
        if (alive()) abort = a;
        else a.abort();
      },
      (e: unknown) => {
        clearTimeout(deadline);
        if (alive()) retry(describe(e));
      },
    );
  };

  const follow = (key: string | undefined, wantPrevious: boolean) => {
    if (key === current && wantPrevious === previous) return;
    generation++;
    clearTimeout(timer);
    abort?.abort();
    abort = undefined;
    if (key !== current) seen = undefined;
    current = key;
    previous = Boolean(key) && wantPrevious;
    if (!key) {
      if (store.getState().log) store.getState().setLog(undefined);
      return;
    }
    store.getState().setLog({ pod: key, lines: [], first: 0, state: 'connecting', at: 0, previous });
    connect(key, generation, 0);
  };

  const unsubscribe = store.subscribe((s) => follow(s.focus.log, s.focus.logPrevious === true));
  follow(store.getState().focus.log, store.getState().focus.logPrevious === true);
  return {
    stop() {
      unsubscribe();
      generation++;
      clearTimeout(timer);
      abort?.abort();
    },
  };
}

/** how a marker line starts: the log view draws it apart from the container's own lines */
export { RESTART_MARK };

/** a pod's container as the restart check needs it: restarts and the pod's uid */
function containerOf(p: unknown, name: string): { restarts: number; uid?: string } | undefined {
  const pod = p as { metadata?: { uid?: string }; status?: { containerStatuses?: { name?: string; restartCount?: number }[] } } | undefined;
  if (!pod) return undefined;
  const c = pod.status?.containerStatuses?.find((x) => x.name === name);
  return { restarts: c?.restartCount ?? 0, uid: pod.metadata?.uid };
}

function describe(e: unknown): string {
  if (e instanceof k8s.ApiException) {
    // client-node's Log drops the server's message; the code still says what happened.
    if (e.code === 400) return 'the container is not running (HTTP 400)';
    if (e.code === 404) return 'the pod is gone (HTTP 404)';
    return `the API server answered ${e.code}`;
  }
  return e instanceof Error ? e.message : String(e);
}
