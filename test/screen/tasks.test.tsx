// Task keys at 80x24: the candidate picker with lag and tags, the typed-name
// confirmation of a destructive task, the live steps in a pane that stays
// while the user navigates, the result in the status line, and read-only.
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskRequest } from '../../src/services/tasks/prepare.ts';
import { runTask } from '../../src/services/tasks/runner.ts';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const MEMBERS = [
  { name: 'acid-demo-0', role: 'leader', state: 'running', timeline: 1, pendingRestart: false },
  { name: 'acid-demo-1', role: 'replica', state: 'streaming', timeline: 1, lagBytes: 4096, pendingRestart: false, tags: { clonefrom: true } },
  { name: 'acid-demo-2', role: 'replica', state: 'streaming', timeline: 1, lagBytes: 0, pendingRestart: false, tags: { nofailover: true } },
];

function world() {
  const store = demoStore();
  store.getState().setPatroni('default/acid-demo', { members: MEMBERS, at: Date.now(), via: 'acid-demo-0' });
  const asked: { request: TaskRequest; namespace: string }[] = [];
  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const actions = {
    setNamespace: () => {},
    runTask: (request: TaskRequest, namespace: string) => {
      asked.push({ request, namespace });
      void runTask({ kind: request.kind, cluster: `${namespace}/${request.cluster}`, title: `switchover of acid-demo to acid-demo-1`, steps: [
        { name: 'ask Patroni on acid-demo-0 to switch over to acid-demo-1', run: async () => 'Successfully switched over to "acid-demo-1"' },
        { name: 'wait for acid-demo-1 to lead', run: async (s) => { s.waiting('acid-demo-1 to lead (leader now: acid-demo-0)'); await gate; s.result('acid-demo-1 leads acid-demo'); } },
      ] }, (t) => store.getState().setTask(t)).then((t) => store.getState().say('info', t.result ?? ''));
    },
  };
  return { store, actions, asked, release: () => release() };
}

describe('task keys at 80x24', () => {
  it('S opens the picker (replicas, least lag first, nofailover marked), then a y/n naming both; the steps stay while navigating', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    await screen.press('S');
    const pick = (await screen.waitFor('pick the new leader')).split('\n');
    expect(pick[1]).toBe('switchover default/acid-demo: pick the new leader (leader now: acid-demo-0)');
    expect(pick[2]).toMatch(/^acid-demo-1\s+streaming\s+lag 4 kB\s+clonefrom$/);
    expect(pick[3]).toMatch(/^acid-demo-2\s+streaming\s+lag 0 kB\s+nofailover \(cannot: nofailover\)$/);
    // the hints line speaks for the picker, not for the members view under it ("enter log" would be a lie)
    expect(pick.at(-1)).toBe('↑↓ choose  enter pick  esc cancel');
    await screen.press('enter');
    await screen.waitFor('switch over default/acid-demo from acid-demo-0 to default/acid-demo-1');
    expect(screen.text().split('\n').at(-1)).toBe('y/enter go on  n/esc cancel');
    expect(w.asked).toEqual([]);
    await screen.press('y');
    await screen.waitFor('… wait for acid-demo-1 to lead');
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'switchover', cluster: 'acid-demo', candidate: 'acid-demo-1' } }]);
    await screen.press('esc'); // back to the list: the pane stays
    const list = await screen.waitFor('acid-small');
    expect(list).toContain('task: switchover of acid-demo to acid-demo-1 · running');
    expect(list).toContain('… wait for acid-demo-1 to lead (');
    expect(list).toContain('waiting for acid-demo-1 to lead (leader');
    for (const l of list.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    w.release();
    await screen.waitFor((t) => t.includes('acid-demo-1 leads acid-demo') && !t.includes('· running'));
  });

  it('a destructive task wants the cluster name typed; a wrong name is said and nothing runs', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    await screen.press('down', 'I');
    await screen.waitFor('This is destructive');
    expect(screen.text().split('\n').at(-1)).toBe('type the name  enter confirm  esc cancel');
    expect(screen.text()).toContain('reinitialise default/acid-demo-1');
    await screen.type('acid-small');
    await screen.press('enter');
    await screen.waitFor('"acid-small" is not acid-demo');
    expect(w.asked).toEqual([]);
    await screen.type('acid-demo');
    await screen.press('enter');
    await screen.waitFor('task: ');
    expect(w.asked[0]).toEqual({ namespace: 'default', request: { kind: 'reinit', cluster: 'acid-demo', member: 'acid-demo-1' } });
    w.release();
  });

  it('read-only refuses the keys and the help does not list them', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: { ...w.actions, readOnly: true } });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    await screen.press('S');
    await screen.waitFor('read-only session (--read-only): switchover is disabled');
    expect(w.asked).toEqual([]);
  });
});
