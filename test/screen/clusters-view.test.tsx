// The clusters view as a user sees it in an 80x24 terminal: the whole frame,
// aligned, every line within 80 columns, the hints on the last row, keys that
// move and filter, and nothing written when nothing changes.
import { afterEach, describe, expect, it } from 'vitest';
import { demoStore, memberPod, postgresql } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

describe('clusters view at 80x24', () => {
  it('draws the whole frame: header, table, status and hints, within 80 columns', async () => {
    screen = await renderScreen({ store: demoStore() });
    const lines = (await screen.waitFor('acid-small')).split('\n');
    expect(lines).toHaveLength(24);
    expect(lines[0]).toBe('zpg · zpg-sandbox · ns default · clusters');
    // One namespace: no NAMESPACE column (as in `zpg list`); lag from the annotations' WAL positions, in MiB.
    // The sort column is marked; the leader by its member name; spare width for what is wrong.
    expect(lines[1]).toMatch(/^NAME▼\s+TEAM\s+VER\s+PODS\s+LEADER\s+LAG MiB\s+HEALTH\s+AGE\s+MESSAGE$/);
    expect(lines[2]).toMatch(/^acid-demo\s+acid\s+15\s+3\/3\s+acid-demo-0\s+2\s+Healthy\s+1h$/);
    expect(lines[3]).toMatch(/^acid-small\s+acid\s+15\s+2\/2\s+acid-small-0\s+0\s+Healthy\s+1h$/);
    // Columns line up with the header.
    expect(lines[2].indexOf('Healthy')).toBe(lines[1].indexOf('HEALTH'));
    expect(lines[23]).toBe('enter open  d why  / filter  s sort  : cmd  ? help  q quit');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('moves with j/k (each key of a batched read counts) and filters with /', async () => {
    screen = await renderScreen({ store: demoStore() });
    await screen.waitFor('acid-small');
    // Inverse video marks the cursor row: read it from the cell attributes.
    const cursorRow = () => screen!.lines().findIndex((_, y) => screen!.term.buffer.active.getLine(y)?.getCell(0)?.isInverse());
    expect(cursorRow()).toBe(2);
    await screen.type('jj'); // one read, two keys: clamped at the last row
    await screen.waitFor(() => cursorRow() === 3);
    await screen.press('k');
    await screen.waitFor(() => cursorRow() === 2);
    await screen.press('/', 's', 'm');
    await screen.waitFor((t) => t.split('\n')[22] === '/sm█');
    await screen.press('enter');
    const t = await screen.waitFor((x) => !x.includes('acid-demo') && x.split('\n')[0].includes('filter "sm"'));
    expect(t).toContain('acid-small');
  });

  it('marks the cursor row with ">" when colours are off (NO_COLOR)', async () => {
    screen = await renderScreen({ store: demoStore(), look: { plain: true } });
    const lines = (await screen.waitFor('acid-small')).split('\n');
    expect(lines[2]).toMatch(/^>acid-demo\s/);
    expect(lines[3]).toMatch(/^ acid-small\s/);
  });

  it('redraws only what changed, and writes nothing while nothing changes', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.waitFor('acid-small');
    await screen.idle();
    let before = screen.stdout.written.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(screen.stdout.written.length - before).toBe(0);
    // One member stops being ready: one cell of one row changes.
    store.getState().upsert('pods', memberPod('acid-small', 1, 'replica', { ready: false }));
    await screen.waitFor(/acid-small\s+acid\s+15\s+1\/2/);
    await screen.idle();
    const update = screen.stdout.written.slice(before);
    expect(update.length).toBeLessThan(400);
    expect(update).not.toContain('\x1b[2J'); // never a full clear: no flicker
    before = screen.stdout.written.length;
    // Re-rendering with equal data writes nothing.
    store.getState().upsert('pods', memberPod('acid-small', 1, 'replica', { ready: false }));
    await screen.idle();
    expect(screen.stdout.written.length - before).toBe(0);
  });

  it('shows a failing Kubernetes watch as STALE with its age, keeping the last data', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    store.getState().say('error', 'cannot reach https://127.0.0.1:6443 (ECONNREFUSED): check --context, or start zpg demo');
    store.getState().setWatchError('cannot reach https://127.0.0.1:6443 (ECONNREFUSED)');
    const t = await screen.waitFor('STALE');
    expect(t.split('\n')[0]).toMatch(/^zpg · STALE 0s \(watch failing\) · zpg-sandbox/);
    expect(t).toContain('acid-demo');
    expect(screen.lines()[22]).toContain('check --context, or start zpg demo');
    await screen.waitFor(/STALE [12]s/, 3000); // the age keeps counting
    store.getState().setWatchError(undefined);
    await screen.waitFor((x) => !x.includes('STALE'));
  });

  it("keeps AGE counting while nothing changes: a new cluster's age ticks in seconds", async () => {
    const store = demoStore();
    const fresh = postgresql('acid-new', 1);
    store.getState().upsert('postgresqls', { ...fresh, metadata: { ...fresh.metadata, creationTimestamp: new Date(Date.now() - 5_000).toISOString() } });
    screen = await renderScreen({ store });
    const age = (t: string) => /^acid-new\s.*?\s(\d+)s(\s|$)/m.exec(t)?.[1];
    const first = age(await screen.waitFor((t) => age(t) !== undefined));
    // no store change: only the clock moves
    const later = age(await screen.waitFor((t) => age(t) !== first, 10_000));
    expect(Number(later)).toBeGreaterThan(Number(first));
  });

  it('adds the NAMESPACE column across all namespaces', async () => {
    const store = demoStore();
    store.setState({ context: { name: 'zpg-sandbox', allNamespaces: true } });
    screen = await renderScreen({ store });
    const lines = (await screen.waitFor('acid-small')).split('\n');
    expect(lines[0]).toBe('zpg · zpg-sandbox · all namespaces · clusters');
    // At 80 columns TEAM goes first; NAMESPACE and LAG stay.
    expect(lines[1]).toMatch(/^NAMESPACE\s+NAME▼\s+VER\s+PODS\s+LEADER\s+LAG MiB\s+HEALTH\s+AGE\s+MESSAGE$/);
    expect(lines[2]).toMatch(/^default\s+acid-demo\s+15\s/);
  });

  it('cuts a long leader name in the middle, so its ordinal stays readable', async () => {
    const store = demoStore();
    store.setState({ context: { name: 'zpg-sandbox', allNamespaces: true } });
    store.getState().upsert('postgresqls', postgresql('acid-demo-clone', 2));
    store.getState().upsert('pods', memberPod('acid-demo-clone', 1, 'master'));
    store.getState().upsert('pods', memberPod('acid-demo-clone', 0, 'replica'));
    screen = await renderScreen({ store });
    const lines = (await screen.waitFor('acid-demo-clone')).split('\n');
    const row = lines.find((l) => l.includes('acid-demo-clone'))!;
    const leader = row.slice(lines[1].indexOf('LEADER')).split(/\s+/)[0];
    expect(leader).toMatch(/^acid-de\S*…\S*clone-1$/);
  });

  it('filters as you type, ignoring case; esc clears the filter; d shows what is wrong in full', async () => {
    const store = demoStore();
    store.getState().upsert('pods', memberPod('acid-demo', 0, 'master', { state: 'crashed' }));
    screen = await renderScreen({ store });
    await screen.waitFor('acid-small');
    await screen.press('/', 'S', 'M');
    await screen.waitFor((t) => !/^acid-demo\s/m.test(t) && /^acid-small\s/m.test(t)); // before enter
    await screen.press('esc');
    await screen.waitFor((t) => /^acid-demo\s/m.test(t) && /^acid-small\s/m.test(t));
    expect(screen.lines()[0]).not.toContain('filter');
    // The cursor stayed on the cluster the filter left it on.
    const cursorRow = () => screen!.lines().findIndex((_, y) => screen!.term.buffer.active.getLine(y)?.getCell(0)?.isInverse());
    expect(screen.lines()[cursorRow()]).toMatch(/^acid-small\s/);
    await screen.press('k', 'd');
    const t = await screen.waitFor('Why (d or esc closes)');
    expect(t).toContain('default/acid-demo: Degraded, leader acid-demo-0, failover limit 32 MB');
    expect(t).toContain('- acid-demo-0: leader crashed');
    await screen.press('d');
    await screen.waitFor('acid-small');
  });
});
