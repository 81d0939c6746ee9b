// Patroni's maintenance mode on screen: a cluster whose Patroni is paused says
// so under its summary at 80x24, and the line goes when Patroni resumes.
import { afterEach, describe, expect, it } from 'vitest';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const MEMBERS = [
  { name: 'acid-demo-0', role: 'leader', state: 'running', host: '127.0.40.1', timeline: 1, pendingRestart: false },
  { name: 'acid-demo-1', role: 'replica', state: 'streaming', host: '127.0.40.2', timeline: 1, lagBytes: 0, pendingRestart: false },
  { name: 'acid-demo-2', role: 'replica', state: 'streaming', host: '127.0.40.3', timeline: 1, lagBytes: 0, pendingRestart: false },
];

describe('maintenance banner', () => {
  it('shows MAINTENANCE MODE while Patroni is paused, and not after resume', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    store.getState().setPatroni('default/acid-demo', { members: MEMBERS, paused: true, at: Date.now(), via: 'acid-demo-0' });
    const text = await screen.waitFor('MAINTENANCE MODE');
    expect(text.split('\n').find((l) => l.includes('MAINTENANCE'))).toBe('MAINTENANCE MODE: Patroni is paused, no automatic failover');
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    store.getState().setPatroni('default/acid-demo', { members: MEMBERS, paused: false, at: Date.now(), via: 'acid-demo-0' });
    await screen.waitFor((t) => t.includes('acid-demo-2') && !t.includes('MAINTENANCE'));
  });
});
