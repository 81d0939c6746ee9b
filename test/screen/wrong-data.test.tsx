// The console's data must stay right under change, at 80x24: a namespace
// switched back and forth, a neighbour cluster with a longer name, a crashed
// leader, a replica far behind, rows arriving under the cursor, a failover
// half-way through, and keys that follow what has the focus.
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { startClusterFeed, type ClusterFeed } from '../../src/services/live/cluster-feed.ts';
import { createZpgStore } from '../../src/store/store.ts';
import { demoStore, event, memberPod, postgresql } from '../helpers/console-world.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
let feed: ClusterFeed | undefined;
let api: TestApi | undefined;
afterEach(async () => {
  await screen?.unmount();
  await feed?.stop();
  await api?.close();
  screen = feed = api = undefined;
});

const rowOf = (text: string, name: string) => text.split('\n').find((l) => new RegExp(`^>?(\\S+\\s+)?${name}\\s`).test(l)) ?? '';

describe('wrong data at 80x24', () => {
  it('counts each pod once after :ns default then :ns all, and again after switching back and forth', async () => {
    api = await startTestApi();
    installCrds(api.api.registry);
    const core = api.kc.makeApiClient(k8s.CoreV1Api);
    const custom = api.kc.makeApiClient(k8s.CustomObjectsApi);
    await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', body: postgresql('acid-demo', 3) });
    for (let i = 0; i < 3; i++) {
      const { metadata } = memberPod('acid-demo', i, i === 0 ? 'master' : 'replica');
      await core.createNamespacedPod({ namespace: 'default', body: { metadata, spec: { containers: [{ name: 'postgres', image: 'spilo' }] } } });
    }
    const store = createZpgStore({ name: 'sandbox', namespace: 'default', allNamespaces: false });
    feed = startClusterFeed(api.kc, store, 'default', api.api.url, { batchMs: 10 });
    screen = await renderScreen({ store, actions: { setNamespace: (ns) => feed!.setNamespace(ns) } });
    await screen.waitFor(/^acid-demo\s.*\s0\/3\s/m, 10_000);
    for (const ns of ['default', 'all', 'default', 'all', 'all']) {
      await screen.type(`:ns ${ns}\r`);
      await screen.waitFor((t) => (ns === 'all' ? t.includes('all namespaces') && /^default\s+acid-demo\s/m.test(t) : t.includes('ns default') && /^acid-demo\s/m.test(t)), 10_000);
      await screen.idle(200);
      expect(rowOf(screen.text(), 'acid-demo')).toMatch(/\s0\/3\s/);
    }
    await screen.press('enter');
    const t = await screen.waitFor('acid-demo-2', 5_000);
    expect(t.match(/^acid-demo-\d\s/gm)).toEqual(['acid-demo-0 ', 'acid-demo-1 ', 'acid-demo-2 ']);
    expect(t).toContain('Pods 0/3 ready of 3');
  }, 30_000);

  it("shows cluster app's events, not those of its neighbour app-replica", async () => {
    const store = createZpgStore({ name: 'zpg-sandbox', namespace: 'default', allNamespaces: false });
    store.getState().apply([
      { op: 'upsert', kind: 'postgresqls', obj: postgresql('app', 1) },
      { op: 'upsert', kind: 'postgresqls', obj: postgresql('app-replica', 1) },
      { op: 'upsert', kind: 'pods', obj: memberPod('app', 0, 'master') },
      { op: 'upsert', kind: 'pods', obj: memberPod('app-replica', 0, 'master') },
      { op: 'upsert', kind: 'events', obj: event('a1', 'app', 'Create', 'app created', 30) },
      { op: 'upsert', kind: 'events', obj: event('a2', 'app-0', 'Started', 'app member started', 20) },
      { op: 'upsert', kind: 'events', obj: event('r1', 'app-replica', 'Create', 'replica cluster created', 10) },
      { op: 'upsert', kind: 'events', obj: event('r2', 'app-replica-0', 'Started', 'replica member started', 5) },
    ]);
    screen = await renderScreen({ store });
    await screen.press('enter');
    const t = await screen.waitFor('app member started');
    expect(t).toContain('clusters › default/app');
    expect(t).toContain('app created');
    expect(t).not.toContain('replica cluster created');
    expect(t).not.toContain('replica member started');
    expect(t).toContain('1-2 of 2');
  });

  it("says Degraded, and why, when the leader's row says crashed", async () => {
    const store = demoStore();
    store.getState().upsert('pods', memberPod('acid-demo', 0, 'master', { state: 'crashed' }));
    screen = await renderScreen({ store });
    const list = await screen.waitFor('acid-small');
    expect(rowOf(list, 'acid-demo')).toMatch(/\sDegraded\s/);
    expect(rowOf(list, 'acid-small')).toMatch(/\sHealthy\s/);
    await screen.press('enter');
    const t = await screen.waitFor((x) => x.includes('clusters › default/acid-demo') && /^acid-demo-2\s/m.test(x));
    expect(t).toMatch(/^acid-demo-0\s+leader\s+crashed\s/m);
    expect(t.split('\n')[2]).toBe('Pods 3/3 ready of 3 · leader acid-demo-0 (TL 1) · Degraded · operator Running');
    expect(t.split('\n')[3]).toBe('Degraded: acid-demo-0: leader crashed');
  });

  it("says Degraded, and why, when a replica lags beyond the cluster's maximum_lag_on_failover", async () => {
    const store = demoStore();
    const pg = postgresql('acid-demo', 3) as ReturnType<typeof postgresql> & { spec: { patroni: Record<string, number> } };
    pg.spec.patroni = { ...pg.spec.patroni, maximum_lag_on_failover: 1_048_576 };
    const leaderAt = 50331648 + 109 * 1048576;
    store.getState().apply([
      { op: 'upsert', kind: 'postgresqls', obj: pg },
      { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 0, 'master', { xlog: leaderAt }) },
      { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 1, 'replica', { xlog: leaderAt }) },
    ]);
    screen = await renderScreen({ store });
    const list = await screen.waitFor('acid-small');
    expect(rowOf(list, 'acid-demo')).toMatch(/\s109!\s+Degraded\s/);
    await screen.press('enter');
    const t = await screen.waitFor((x) => x.includes('clusters › default/acid-demo') && /^acid-demo-2\s/m.test(x));
    expect(t.split('\n')[3]).toBe('Degraded: acid-demo-2: lag 109 MB over 1.0 MB');
    expect(t).toMatch(/^acid-demo-2\s+replica\s+running\s+1\/1\s+Running\s+1\s+109M!\s/m);
  });

  it('keeps the cursor on its cluster when rows are added or re-sorted, and on its member', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.waitFor('acid-small');
    await screen.press('j');
    const cursorRow = () => screen!.lines().findIndex((_, y) => screen!.term.buffer.active.getLine(y)?.getCell(0)?.isInverse());
    await screen.waitFor(() => cursorRow() === 3);
    // A cluster that sorts first arrives: acid-small moves down a row, and the cursor with it.
    store.getState().apply([{ op: 'upsert', kind: 'postgresqls', obj: postgresql('acid-aaa', 1) }]);
    await screen.waitFor(/^acid-aaa\s/m);
    await screen.waitFor(() => cursorRow() === 4);
    expect(screen.lines()[4]).toMatch(/^acid-small\s/);
    // Sorted by lag, acid-small moves again; the cursor follows.
    await screen.press('s', 's', 's');
    await screen.waitFor(() => /LAG/.test(screen!.lines()[1]) && screen!.lines()[2].startsWith('acid-demo'));
    expect(screen.lines()[cursorRow()]).toMatch(/^acid-small\s/);
    await screen.press('enter');
    await screen.waitFor('clusters › default/acid-small');
    await screen.press('esc', 's');
    await screen.waitFor('enter open');
    // Member by name: on acid-demo-1, the first member's pod goes; the cursor stays on acid-demo-1.
    await screen.press('g');
    await screen.waitFor(() => screen!.lines()[cursorRow()]?.startsWith('acid-aaa'));
    await screen.press('j', 'enter', 'j');
    await screen.waitFor(() => screen!.lines()[cursorRow()]?.startsWith('acid-demo-1'));
    store.getState().remove('pods', memberPod('acid-demo', 0, 'master'));
    await screen.waitFor((t) => !/^acid-demo-0\s/m.test(t));
    expect(screen.lines()[cursorRow()]).toMatch(/^acid-demo-1\s/);
    await screen.press('enter');
    await screen.waitFor('log default/acid-demo-1');
  });

  it('names one leader in the list, the Ready line and the members during a failover, and shows the old one going', async () => {
    const store = demoStore();
    const old = memberPod('acid-demo', 0, 'master');
    const going = { ...old, metadata: { ...old.metadata, deletionTimestamp: new Date().toISOString() }, status: { ...old.status, conditions: [{ type: 'Ready', status: 'False' }] } };
    store.getState().apply([
      { op: 'upsert', kind: 'pods', obj: going },
      { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo', 1, 'master', { timeline: 2 }) },
    ]);
    screen = await renderScreen({ store });
    const list = await screen.waitFor('acid-small');
    expect(rowOf(list, 'acid-demo')).toMatch(/\sacid-demo-1\s/);
    await screen.press('enter');
    // Patroni's DCS still names the old leader too, for a few seconds.
    store.getState().setPatroni('default/acid-demo', {
      at: Date.now(),
      via: 'acid-demo-1',
      members: [
        { name: 'acid-demo-0', role: 'leader', state: 'running', timeline: 1, pendingRestart: false },
        { name: 'acid-demo-1', role: 'leader', state: 'running', timeline: 2, pendingRestart: false },
        { name: 'acid-demo-2', role: 'replica', state: 'streaming', timeline: 2, lagBytes: 0, pendingRestart: false },
      ],
    });
    const t = await screen.waitFor('via acid-demo-1');
    expect(t.split('\n')[2]).toBe('Pods 2/3 ready of 3 · leader acid-demo-1 (TL 2) · Degraded · operator Running');
    expect(t.split('\n')[3]).toMatch(/^Degraded: acid-demo-0: pod Terminating/);
    expect(t).toMatch(/^acid-demo-0\s+leader\s+running\s+0\/1\s+Terminating\s/m);
    expect(t).toMatch(/^acid-demo-1\s+leader\s+running\s+1\/1\s+Running\s/m);
  });

  it('hints only keys that work: after e or y the pane has the keys and enter opens no log', async () => {
    screen = await renderScreen({ store: demoStore() });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    expect(screen.lines()[23]).toMatch(/^enter log {2}tab pane/);
    for (const key of ['e', 'y']) {
      await screen.press(key);
      await screen.waitFor((t) => !t.split('\n')[23].includes('enter log'));
      expect(screen.lines()[23]).toContain('tab members');
      // enter, then tab: once tab has shown (keys are handled in order), enter has been handled and opened nothing
      await screen.press('enter', 'tab');
      await screen.waitFor((t) => t.split('\n')[23].startsWith('enter log'));
      expect(screen.lines()[0]).toBe('zpg · zpg-sandbox · ns default · clusters › default/acid-demo');
    }
    await screen.press('enter');
    await screen.waitFor('log default/acid-demo-0');
  });
});
