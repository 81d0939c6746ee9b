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
    expect(t[23]).toBe('f follow  / search  n next  w wrap  p prev  esc back  : cmd  ? help  q quit');
    await screen.press('k', 'k');
    t = (await screen.waitFor('held at 79-98 of 100')).split('\n');
    expect(t[1]).toBe('log default/acid-demo-1 · held at 79-98 of 100 · f or G follows');
    // New lines arrive and the oldest leave the ring: the view stays on its lines.
    store.getState().setLog(log(50, 150));
    t = (await screen.waitFor((x) => x.includes('of 150') && /INFO: line 78$/m.test(x))).split('\n');
    expect(t[2]).toMatch(/INFO: line 78$/);
    await screen.press('G');
    t = (await screen.waitFor((x) => x.includes('following') && /INFO: line 149$/m.test(x))).split('\n');
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

  it('wraps long lines by default (w cuts them), searches with / n N and highlights, colours ERROR/FATAL/PANIC', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter', 'enter');
    await screen.waitFor('log default/acid-demo-0');
    const long = `2026-12-01 06:00:01 UTC [77] LOG:  checkpoint complete: ${'x'.repeat(60)} END-OF-LONG-LINE`;
    const body = [...lines(0, 30), long, '2026-12-01 06:00:02 UTC [78] ERROR:  relation "nope" does not exist', ...lines(31, 40), '2026-12-01 06:00:03 UTC [79] FATAL:  terminating connection', 'tail line'];
    store.getState().setLog({ pod: 'default/acid-demo-0', lines: body, first: 0, state: 'following', at: Date.now() });
    let t = await screen.waitFor('tail line');
    // Wrapped: the end of the long line is on screen, on the row below its start.
    expect(t).toContain('END-OF-LONG-LINE');
    const rows = t.split('\n');
    const at = rows.findIndex((l) => l.includes('checkpoint complete'));
    expect(rows[at + 1]).toContain('END-OF-LONG-LINE');
    await screen.press('w');
    await screen.waitFor((x) => !x.includes('END-OF-LONG-LINE') && x.includes('checkpoint complete'));
    await screen.press('w');
    await screen.waitFor('END-OF-LONG-LINE');
    // Severity: the ERROR and FATAL lines in red.
    const red = (needle: string) => {
      const y = screen!.lines().findIndex((l) => l.includes(needle));
      const cell = screen!.term.buffer.active.getLine(y)?.getCell(0);
      return cell?.isFgPalette() && cell.getFgColor() === 1;
    };
    expect(red('ERROR:')).toBe(true);
    expect(red('FATAL:')).toBe(true);
    expect(red('tail line')).toBe(false);
    // Search from the end (following): the match is on screen, highlighted.
    await screen.press('/', 'L', 'I', 'N', 'E', ' ', '3', '5');
    await screen.waitFor((x) => x.split('\n')[22] === '/LINE 35█');
    await screen.press('enter');
    t = await screen.waitFor((x) => x.includes('/LINE 35') && !x.includes('/LINE 35█'));
    const y = t.split('\n').findIndex((l) => l.endsWith('INFO: line 35'));
    expect(y).toBeGreaterThan(1);
    expect(screen.term.buffer.active.getLine(y)!.getCell(screen.lines()[y].indexOf('line 35'))?.isInverse()).toBeTruthy();
    expect(screen.term.buffer.active.getLine(y)!.getCell(0)?.isInverse()).toBeFalsy();
    // From the top: the first match holds the view there; n goes down, N up.
    await screen.press('g', '/', 'l', 'i', 'n', 'e', ' ', '1', 'enter');
    await screen.waitFor((x) => x.split('\n')[2]?.endsWith('INFO: line 1'));
    await screen.press('n');
    await screen.waitFor((x) => x.split('\n')[2]?.endsWith('INFO: line 10'));
    await screen.press('n');
    await screen.waitFor((x) => x.split('\n')[2]?.endsWith('INFO: line 11'));
    await screen.press('N');
    await screen.waitFor((x) => x.split('\n')[2]?.endsWith('INFO: line 10'));
  });

  it('marks ERROR lines with "!" when colours are off, and asks for the previous container with p', async () => {
    const store = demoStore();
    screen = await renderScreen({ store, look: { plain: true } });
    await screen.press('enter', 'enter');
    store.getState().setLog({ pod: 'default/acid-demo-0', lines: ['a LOG: fine', 'b ERROR:  broken', 'c PANIC:  worse'], first: 0, state: 'following', at: Date.now() });
    const t = await screen.waitFor('worse');
    expect(t).toMatch(/^ a LOG: fine$/m);
    expect(t).toMatch(/^!b ERROR: {2}broken$/m);
    expect(t).toMatch(/^!c PANIC: {2}worse$/m);
    await screen.press('p');
    await screen.waitFor('log default/acid-demo-0 (previous container)');
    expect(store.getState().focus).toEqual({ log: 'default/acid-demo-0', logPrevious: true });
    store.getState().setLog({ pod: 'default/acid-demo-0', previous: true, lines: ['old FATAL:  the crash'], first: 0, state: 'complete', at: Date.now() });
    await screen.waitFor((x) => x.includes('1 line, complete') && x.includes('the crash'));
    await screen.press('p');
    await screen.waitFor((x) => !x.includes('previous container'));
    expect(store.getState().focus).toEqual({ log: 'default/acid-demo-0' });
  });
});
