// `?` at 80x24: every binding of the keymap, generated from it, scrollable,
// with the meaning of the marks; esc returns to the view it came from.
import { afterEach, describe, expect, it } from 'vitest';
import { KEYMAP } from '../../src/ui/keymap.ts';
import { helpText } from '../../src/ui/views/help-view.tsx';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

describe('help at 80x24', () => {
  it('lists every key of the keymap, scrolling to the marks, and goes back with esc', async () => {
    screen = await renderScreen({ store: demoStore() });
    await screen.press('enter', '?');
    const lines = (await screen.waitFor('Keys (1-20 of')).split('\n');
    expect(lines[0]).toBe('zpg · zpg-sandbox · ns default · help');
    expect(lines[2]).toMatch(/^k ↑\s+move or scroll up\s+everywhere$/);
    expect(lines[23]).toBe('esc back  : cmd  q quit');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const seen = new Set(lines);
    // page by page: the keymap is longer than two pages
    for (let page = 0; page < 10 && ![...seen].some((l) => l.startsWith('STALE    Patroni')); page++) {
      const at = /Keys \((\d+)-/.exec(screen.text())?.[1];
      await screen.press('pgdn');
      // the next page, as state: its range in the title moved (a frame read too early would skip a page)
      const next = await screen.waitFor((t) => /Keys \((\d+)-/.exec(t)?.[1] !== at);
      for (const l of next.split('\n')) seen.add(l);
    }
    await screen.waitFor('STALE    Patroni');
    const all = [...seen].join('\n');
    // each key's help whole, over as many lines as it needs: the help column read top to bottom
    const column = helpText().filter((l) => l.length > 13 && !l.startsWith('SRC') && !l.startsWith('STALE') && !/^\s{9}\S/.test(l)).map((l) => l.slice(13, 58).trim()).join(' ');
    for (const b of KEYMAP) expect(column).toContain(b.help);
    expect(all).toMatch(/^F\s+fail over to a replica you pick \(type the\s+cluster \(members\)\n\s{13}name\)$/m);
    expect(all).not.toContain('…');
    expect(all).toContain('STALE    Patroni, the Kubernetes watch or a log stopped answering');
    for (const l of seen) expect(l.length).toBeLessThanOrEqual(79);
    expect(all).toMatch(/^enter l\s+the selected member's log\s+cluster \(members\)$/m);
    await screen.press('esc');
    await screen.waitFor('clusters › default/acid-demo');
  });
});
