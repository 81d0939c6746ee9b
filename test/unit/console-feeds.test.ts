// The pollers behind the console, with fake transports: Patroni polled only
// for the cluster on screen, leader first, backing off while nobody answers;
// the log ring bounded, reopened without duplicates, coalesced into the store.
import { PassThrough, type Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { LineRing, RESTART_MARK, startLogFeed } from '../../src/services/live/log-feed.ts';
import { candidates, startPatroniFeed } from '../../src/services/live/patroni-feed.ts';
import type { PatroniRequest, PatroniResponse } from '../../src/services/patroni/client.ts';
import type { MemberAddress } from '../../src/services/patroni/transports.ts';
import { createZpgStore } from '../../src/store/store.ts';
import { eventually } from '../helpers/sandbox.ts';

const kc = new k8s.KubeConfig();
kc.loadFromOptions({ clusters: [{ name: 'c', server: 'http://127.0.0.1:9' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });

function world() {
  const store = createZpgStore();
  const s = store.getState();
  s.upsert('postgresqls', { metadata: { name: 'acid-a', namespace: 'default' }, spec: { numberOfInstances: 2 } });
  const pod = (name: string, role: string, ip: string) => ({
    metadata: { name, namespace: 'default', labels: { 'cluster-name': 'acid-a', 'spilo-role': role } },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  s.upsert('pods', pod('acid-a-0', 'replica', '10.0.0.10'));
  s.upsert('pods', pod('acid-a-1', 'master', '10.0.0.11'));
  return store;
}

const CLUSTER = JSON.stringify({
  members: [
    { name: 'acid-a-0', role: 'replica', state: 'streaming', timeline: 2, lag: 0 },
    { name: 'acid-a-1', role: 'leader', state: 'running', timeline: 2 },
  ],
});

describe('Patroni feed', () => {
  it('asks the leader first', () => {
    expect(candidates(Object.values(world().getState().pods)).map((p) => p.metadata?.name)).toEqual(['acid-a-1', 'acid-a-0']);
  });

  it('polls only the focused cluster, with a timeout on every call, and drops the view when it leaves the screen', async () => {
    const store = world();
    const calls: { m: MemberAddress; req: PatroniRequest }[] = [];
    const feed = startPatroniFeed(store, {
      intervalMs: 20,
      timeoutMs: 500,
      transportFor: (m) => async (req): Promise<PatroniResponse> => {
        calls.push({ m, req });
        return { status: 200, text: CLUSTER };
      },
    });
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual([]);
    store.getState().setFocus({ cluster: 'default/acid-a' });
    await eventually('a Patroni view', () => store.getState().patroni['default/acid-a']);
    expect(store.getState().patroni['default/acid-a']).toMatchObject({ via: 'acid-a-1', members: [{ name: 'acid-a-0', state: 'streaming' }, { name: 'acid-a-1', role: 'leader' }] });
    expect(calls[0]).toMatchObject({ m: { namespace: 'default', pod: 'acid-a-1', podIP: '10.0.0.11' }, req: { method: 'GET', path: '/cluster', timeoutMs: 500 } });
    await eventually('more polls', () => calls.length >= 3);
    store.getState().setFocus({});
    expect(store.getState().patroni).toEqual({});
    const n = calls.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(calls.length).toBeLessThanOrEqual(n + 1); // at most the one in flight
    feed.stop();
  });

  it('tries the next member when the leader does not answer, and backs off while none does', async () => {
    const store = world();
    let up = new Set(['acid-a-0']);
    const times: number[] = [];
    const feed = startPatroniFeed(store, {
      intervalMs: 20,
      maxBackoffMs: 200,
      transportFor: (m) => async () => {
        times.push(Date.now());
        if (!up.has(m.pod)) throw new Error('connect: connection refused');
        return { status: 200, text: CLUSTER };
      },
    });
    store.getState().setFocus({ cluster: 'default/acid-a' });
    await eventually('an answer from the replica', () => store.getState().patroni['default/acid-a']?.via === 'acid-a-0');
    up = new Set();
    await eventually('the error', () => store.getState().patroni['default/acid-a']?.error);
    const view = store.getState().patroni['default/acid-a'];
    expect(view.error).toContain('connection refused');
    expect(view.at).toBeGreaterThan(0); // the last answer's time stays, for the staleness mark
    times.length = 0;
    await new Promise((r) => setTimeout(r, 500));
    // 20, 40, 80, 160, 200 ms between rounds of two calls: far fewer than 25 rounds.
    expect(times.length).toBeLessThan(16);
    up = new Set(['acid-a-1']);
    await eventually('recovery', () => !store.getState().patroni['default/acid-a']?.error, 2000);
    feed.stop();
  });
});

describe('log feed', () => {
  it('keeps a bounded ring across chunks that split lines', () => {
    const ring = new LineRing(3);
    ring.push('one\ntw');
    ring.push('o\r\nthree\nfour\nfi');
    expect(ring.lines).toEqual(['two', 'three', 'four']);
    expect(ring.first).toBe(1);
    expect(ring.snapshot()).toEqual(['two', 'three', 'four', 'fi']);
  });

  it('keeps the lines under a marker when the container restarted, and reads the previous container once with --previous', async () => {
    const store = createZpgStore();
    const pod = (restarts: number) => ({ metadata: { name: 'acid-a-0', namespace: 'default', uid: 'u1', labels: { 'cluster-name': 'acid-a' } }, status: { containerStatuses: [{ name: 'postgres', restartCount: restarts }] } });
    store.getState().upsert('pods', pod(0));
    const opened: k8s.LogOptions[] = [];
    let text = 'old 1\nold 2 FATAL: crash\n';
    const feed = startLogFeed(kc, store, {
      ringSize: 100,
      reopenMs: 20,
      flushMs: 5,
      open: async (_ns, _pod, _c, out: Writable, opts) => {
        opened.push(opts);
        const live = new PassThrough();
        live.pipe(out);
        live.end(opts.previous ? 'prev 1\nprev 2\n' : text);
        return new AbortController();
      },
    });
    store.getState().setFocus({ log: 'default/acid-a-0' });
    await eventually('the first lines', () => store.getState().log?.lines.length === 2);
    // The container restarts: its new log starts afresh; the old lines stay above a marker.
    store.getState().upsert('pods', pod(1));
    text = 'new 1\n';
    await eventually('the marker', () => store.getState().log?.lines.some((l) => l.startsWith(RESTART_MARK)));
    await eventually('the new lines', () => store.getState().log?.lines.at(-1) === 'new 1');
    expect(store.getState().log?.lines).toEqual(['old 1', 'old 2 FATAL: crash', expect.stringMatching(/^──── the container restarted \(restart 1\)/), 'new 1']);
    // Reopened with nothing new: no second marker, no duplicates. Two more opens mean the first of them was read.
    const reopens = opened.length;
    await eventually('two more reopens', () => opened.length >= reopens + 2);
    expect(store.getState().log?.lines).toHaveLength(4);
    store.getState().setFocus({ log: 'default/acid-a-0', logPrevious: true });
    await eventually('the previous log, complete', () => store.getState().log?.previous && store.getState().log?.state === 'complete');
    expect(store.getState().log?.lines).toEqual(['prev 1', 'prev 2']);
    expect(opened.at(-1)).toMatchObject({ previous: true, follow: false });
    const n = opened.length;
    await new Promise((r) => setTimeout(r, 80));
    expect(opened.length).toBe(n); // read once, not reopened
    feed.stop();
  });

  it('follows the focused pod, reopens a stream that ended without duplicating lines, and stops with the focus', async () => {
    const store = createZpgStore();
    const opened: { pod: string; opts: k8s.LogOptions }[] = [];
    let text = 'a\nb\n';
    let live: PassThrough | undefined;
    const feed = startLogFeed(kc, store, {
      ringSize: 100,
      reopenMs: 30,
      flushMs: 5,
      open: async (_ns, pod, _c, out: Writable, opts) => {
        opened.push({ pod, opts });
        live = new PassThrough();
        live.pipe(out);
        live.write(text);
        if (pod === 'acid-a-0') live.end(); // a server that does not follow: the body ends at once
        return new AbortController();
      },
    });
    store.getState().setFocus({ log: 'default/acid-a-0' });
    await eventually('lines', () => store.getState().log?.lines.length === 2);
    expect(opened[0]).toMatchObject({ pod: 'acid-a-0', opts: { follow: true, tailLines: 100 } });
    text = 'a\nb\nc\n';
    await eventually('the reopened stream', () => store.getState().log?.lines.length === 3);
    expect(store.getState().log).toMatchObject({ pod: 'default/acid-a-0', lines: ['a', 'b', 'c'], state: 'following' });
    store.getState().setFocus({ log: 'default/acid-a-1' });
    await eventually('the other pod', () => store.getState().log?.pod === 'default/acid-a-1' && store.getState().log?.lines.length === 3);
    live!.write('d\n');
    await eventually('a followed line', () => store.getState().log?.lines.at(-1) === 'd');
    store.getState().setFocus({});
    expect(store.getState().log).toBeUndefined();
    feed.stop();
  });

  it('says why a log cannot be read, and retries', async () => {
    const store = createZpgStore();
    let attempts = 0;
    const feed = startLogFeed(kc, store, {
      reopenMs: 10,
      open: async () => {
        attempts++;
        throw new k8s.ApiException(400, 'Error occurred in log request', undefined, {});
      },
    });
    store.getState().setFocus({ log: 'default/acid-a-0' });
    await eventually('the error', () => store.getState().log?.state === 'error');
    expect(store.getState().log?.error).toBe('the container is not running (HTTP 400)');
    await eventually('a retry', () => attempts >= 2);
    feed.stop();
  });
});

describe('log feed deadline', () => {
  it('gives up on a log request the API server does not answer, and asks again', async () => {
    const store = createZpgStore();
    let attempts = 0;
    const feed = startLogFeed(kc, store, {
      reopenMs: 10,
      connectTimeoutMs: 50,
      open: () => {
        attempts++;
        return new Promise<AbortController>(() => {});
      },
    });
    store.getState().setFocus({ log: 'default/acid-a-0' });
    await eventually('the error', () => store.getState().log?.state === 'error');
    expect(store.getState().log?.error).toBe('the API server did not answer within 50 ms');
    await eventually('a second attempt', () => attempts >= 2);
    feed.stop();
  });
});
