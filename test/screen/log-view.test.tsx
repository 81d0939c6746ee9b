// A member's log at 80x24: the newest lines while following, held in place
// when scrolled up even as lines arrive and old ones leave the ring, and
// following again at the end; external text cannot move the cursor.
import { afterEach, describe, expect, it } from 'vitest';
import type { LogView } from '../../src/store/store.ts';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `2026-12-01 06:00:00,000 INFO: line ${from + i}`);
const log = (first: number, to: number, patch: Partial<LogView> = {}): LogView => ({ pod: 'default/acid-demo-1', lines: lines(first, to), first, state: 'following', at: Date.now(), ...patch });

describe('log view at 80x24', () => {
  it('opens the selected member\'s log, follows it, holds it when scrolled, and follows again with G', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter', 'j', 'enter');
    await screen.waitFor('log default/acid-demo-1');
    expect(store.getState().focus).toEqual({ log: 'default/acid-demo-1' });
    store.getState().setLog(log(0, 100));
    let t = (await screen.waitFor('line 99')).split('\n');
    expect(t[0]).toBe('zpg · zpg-sandbox · ns default · clusters › default/acid-demo › log');
    expect(t[1]).toBe('log default/acid-demo-1 · following · 100 lines');
    expect(t[2]).toMatch(/INFO: line 80$/);
    expect(t[21]).toMatch(/INFO: line 99$/);
    expect(t[23]).toBe('f follow  esc back  : cmd  ? help  q quit');
    await screen.press('k', 'k');
    t = (await screen.waitFor('held at')).split('\n');
    expect(t[1]).toBe('log default/acid-demo-1 · held at 79-98 of 100 · f or G follows');
    // New lines arrive and the oldest leave the ring: the view stays on its lines.
    store.getState().setLog(log(50, 150));
    await screen.waitFor('of 150');
    t = screen.lines();
    expect(t[2]).toMatch(/INFO: line 78$/);
    await screen.press('G');
    t = (await screen.waitFor('following')).split('\n');
    expect(t[21]).toMatch(/INFO: line 149$/);
    await screen.press('esc');
    await screen.waitFor('clusters › default/acid-demo');
    expect(store.getState().focus).toEqual({ cluster: 'default/acid-demo' });
  });

  it('strips control sequences from log lines, and marks a failing stream STALE', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter', 'enter');
    store.getState().setLog({ pod: 'default/acid-demo-0', lines: ['plain', 'evil \x1b[2J\x1b[Hline\ttab'], first: 0, state: 'following', at: Date.now() });
    const t = await screen.waitFor('evil');
    expect(t).toContain('evil line  tab');
    expect(t.split('\n')[0]).toContain('zpg'); // the header survived
    store.getState().setLog({ pod: 'default/acid-demo-0', lines: ['plain'], first: 0, state: 'error', error: 'the container is not running (HTTP 400)', at: Date.now() - 30_000 });
    const s = await screen.waitFor('STALE');
    expect(s.split('\n')[1]).toMatch(/^log default\/acid-demo-0 · STALE last line 3\ds ago, retrying$/);
    expect(s.split('\n')[2]).toBe('the container is not running (HTTP 400)');
    expect(s.split('\n')[3]).toBe('plain');
  });
});
