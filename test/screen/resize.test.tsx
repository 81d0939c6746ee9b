// Resizing the terminal: the frame re-lays out to the new size at once, with
// no line past the right edge, the hints on the last row and no leftovers.
import { afterEach, describe, expect, it } from 'vitest';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

describe('resize', () => {
  it('follows 80x24 → 60x15 → 120x40 → 80x24 in the list and in a cluster', async () => {
    screen = await renderScreen({ store: demoStore() });
    await screen.waitFor('acid-small');
    for (const [cols, rows] of [[60, 15], [120, 40], [80, 24]] as const) {
      await screen.resize(cols, rows);
      const lines = (await screen.waitFor((t) => t.split('\n')[rows - 1].startsWith('enter open'))).split('\n');
      expect(lines).toHaveLength(rows);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(cols);
      expect(lines[0]).toMatch(/^zpg · /);
      expect(lines.filter((l) => l.includes('acid-demo'))).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith('enter open'))).toHaveLength(1);
    }
    await screen.press('enter');
    await screen.resize(60, 15);
    const lines = (await screen.waitFor((t) => t.split('\n')[14].startsWith('enter log'))).split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.join('\n')).toMatch(/acid-demo-2/);
    expect(lines.filter((l) => l.startsWith('enter log'))).toHaveLength(1);
  });
});
