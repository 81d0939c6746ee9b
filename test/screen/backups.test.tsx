// Backups in the console at 80x24: a cluster's backups (b) with its window as a
// time line, the gap, the timelines and an overdue logical backup in red with
// OVERDUE! (also without colour); the clusters view's BACKUP column; the
// browser (B) with a deleted cluster by uid; and the wizards, step by step, up
// to the task request each emits (logical backup, logical restore with and
// without overwrite, clone with the preview and a time refused).
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterBackups } from '../../src/services/backups/catalog.ts';
import type { ClusterBackupsView } from '../../src/services/live/backups-types.ts';
import type { TaskRequest } from '../../src/services/tasks/prepare.ts';
import { BadInput } from '../../src/services/tasks/types.ts';
import type { ClonePreview, ClonePreviewArgs } from '../../src/ui/views/backups-wizard.ts';
import { helpLines } from '../../src/ui/keymap.ts';
import { demoStore, memberPod, postgresql } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const H = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

function base(id: string, timeline: number, finishedAgo: number) {
  const t = ago(finishedAgo);
  return { id, kind: 'base' as const, format: 'wal-g' as const, prefix: 'p/', timeline, startSegment: id.slice(5), finishTime: t, modified: t, compressedSize: 16 * 1048576 };
}

function catalog(cluster: string, uid: string, over: Partial<ClusterBackups> = {}): ClusterBackups {
  return {
    cluster,
    namespace: 'default',
    uid,
    walBucket: 'zpg-demo',
    walPrefixes: [],
    window: { from: ago(30 * H), to: ago(2 * H), fromBackup: null, toSegment: null, timelines: [], gaps: [], checkedFrom: null },
    baseBackups: [],
    logicalBackups: [],
    lastArchivedWal: null,
    requests: 3,
    ...over,
  };
}

const SET_ID = 'zpg-20261203T0000Z';
const demo: ClusterBackups = catalog('acid-demo', 'u-demo', {
  window: { from: ago(30 * H), to: ago(8 * H), fromBackup: 'base_000000010000000000000002', toSegment: '00000002000000000000000F', timelines: [{ timeline: 2, parent: 1, switchLsn: '0/9000000' }], gaps: [{ timeline: 2, from: '000000020000000000000010', to: '000000020000000000000010' }], checkedFrom: null },
  baseBackups: [base('base_000000010000000000000002', 1, 30 * H), base('base_00000002000000000000000C', 2, 20 * H)],
  logicalBackups: [
    { id: '1764600000.sql.gz', kind: 'logical-dumpall', key: 'k', time: ago(72 * H), size: 2048 },
    { id: SET_ID, kind: 'logical-set', key: 'k2/', time: ago(50 * H), size: 4096, databases: ['app', 'shop'] },
  ],
  lastArchivedWal: { segment: '000000020000000000000013', at: ago(10 * 60_000) },
});

function world(o: { configured?: boolean; readOnly?: boolean } = {}) {
  const store = demoStore();
  for (const name of ['acid-demo', 'acid-small']) {
    const pg = store.getState().postgresqls[`default/${name}`] as { metadata: Record<string, unknown> };
    store.getState().upsert('postgresqls', { ...pg, metadata: { ...pg.metadata, uid: name === 'acid-demo' ? 'u-demo' : 'u-small' } } as { metadata: { name?: string } });
  }
  const since = ago(240 * H);
  const view = (c: ClusterBackups, schedules: ClusterBackupsView['schedules']): ClusterBackupsView => ({ cluster: c.cluster, namespace: 'default', uid: c.uid, catalog: c, schedules, at: Date.now() - 12_000 });
  if (o.configured === false) store.getState().setBackups(() => ({ configured: false }));
  else
    store.getState().setBackups(() => ({
      configured: true,
      source: 's3://zpg-demo at http://127.0.0.1:9000',
      clusters: {
        'default/acid-demo': view(demo, { base: '00 1 * * *', logical: '30 00 * * *', since }),
        'default/acid-small': view(catalog('acid-small', 'u-small', { baseBackups: [base('base_000000010000000000000004', 1, H)] }), { base: '00 1 * * *', since }),
      },
      deleted: { refs: [{ cluster: 'old-shop', uid: 'u-old-1234' }], at: Date.now() },
      deletedCatalogs: { 'old-shop/u-old-1234': view(catalog('old-shop', 'u-old-1234', { baseBackups: [base('base_000000010000000000000003', 1, 40 * H)] }), {}) },
    }));
  const asked: { request: TaskRequest; namespace: string }[] = [];
  const previews: ClonePreviewArgs[] = [];
  const actions = {
    setNamespace: () => {},
    readOnly: o.readOnly,
    runTask: (request: TaskRequest, namespace: string) => void asked.push({ request, namespace }),
    previewClone: async (args: ClonePreviewArgs): Promise<ClonePreview> => {
      previews.push(args);
      if (args.time === 'yesterday noon') throw new BadInput(`--time ${args.time}: outside the restorable window 2026-12-04T10:00:00Z … 2026-12-05T03:00:00Z`);
      return {
        // a real manifest is longer than 80x24 has room for: "-long" names get 40 more lines
        yaml: `apiVersion: acid.zalan.do/v1\nkind: postgresql\nmetadata:\n  name: ${args.to}\nspec:\n  clone:\n    cluster: ${args.cluster}\n    uid: ${args.uid ?? 'u'}${args.to.endsWith('-long') ? Array.from({ length: 40 }, (_, i) => `\n  extra${i + 1}: x`).join('') : ''}`,
        instant: '2026-12-05T03:00:00Z',
        said: 'the end of the window means 2026-12-05T03:00:00Z',
        baseBackup: { id: 'base_000000010000000000000003', finishTime: '2026-12-03T10:00:00Z', modified: '2026-12-03T10:00:00Z' },
        walRange: { from: '000000010000000000000003', to: '000000010000000000000009', timeline: 1 },
        // a live cluster's latest is the present, which the clone marks first (planCloneManifest's applying)
        marksFirst: Boolean(args.latest && !args.uid),
      };
    },
  };
  return { store, actions, asked, previews };
}

const within80 = (t: string) => {
  for (const l of t.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
};

const rowOf = (s: Screen, needle: string) => s.lines().findIndex((l) => l.includes(needle));
const isRed = (s: Screen, needle: string) => {
  const row = rowOf(s, needle);
  const col = s.lines()[row].indexOf(needle);
  const cell = s.term.buffer.active.getLine(s.term.buffer.active.viewportY + row)?.getCell(col);
  return Boolean(cell?.isFgPalette() && cell.getFgColor() === 1);
};

async function openDemo(s: Screen) {
  await s.waitFor('acid-small');
  await s.press('enter');
  await s.waitFor('acid-demo-2');
}

/** The clone wizard on acid-demo with "latest" picked, at the new name. */
async function cloneLatestAtName(w: ReturnType<typeof world>): Promise<Screen> {
  const s = await renderScreen({ store: w.store, actions: w.actions });
  await openDemo(s);
  await s.press('C');
  await s.waitFor('restore up to which point?');
  await s.press('enter');
  await s.waitFor('name the new cluster');
  return s;
}

describe('backups at 80x24', () => {
  it("b shows the window as a time line with the gap, the timelines, base and logical backups newest first, the overdue logical backup in red", async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    // the cluster view's one line: ages, the overdue one in red, the gap, how far the window reaches
    const detail = await screen.waitFor('Backups: ');
    within80(detail);
    expect(detail).toMatch(/^Backups: base 20h · logical 2d OVERDUE! · x GAP · window to \d{4}-\d\d-\d\d \d\d:\d\dZ$/m);
    expect(isRed(screen, 'logical 2d OVERDUE!')).toBe(true);
    expect(detail).toContain('acid-demo-2');
    await screen.press('b');
    const t = await screen.waitFor('Last base backup');
    within80(t);
    expect(t).toMatch(/default\/acid-demo backups · read 1\ds ago · s3:\/\/zpg-demo at http:\/\/127\.0\.0\.1:9/);
    expect(t).toMatch(/Window \d{4}-\d\d-\d\d \d\d:\d\dZ → \d{4}-\d\d-\d\d \d\d:\d\dZ \(22h\), up to 8h ago/);
    // the bar: backups (B), restorable (=), past the gap (x), not archived yet (·)
    const bar = screen.lines()[rowOf(screen, ' now')];
    expect(bar).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\dZ B=+B=+x+·* now$/);
    expect(t).toContain('timelines 1 → 2 at 0/9000000 · x GAP on TL 2: 000000020000000000000010 missing');
    expect(t).toContain('Last base backup 20h ago (every 1d) · logical 2d ago OVERDUE! (every 1d)');
    expect(isRed(screen, 'OVERDUE!')).toBe(true);
    expect(isRed(screen, 'Last base backup')).toBe(false);
    const lines = screen.lines();
    expect(rowOf(screen, 'base_00000002000000000000000C')).toBeLessThan(rowOf(screen, 'base_000000010000000000000002'));
    expect(lines[rowOf(screen, 'base_00000002000000000000000C')]).toMatch(/base_00000002000000000000000C\s+2\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+20h\s+16 MB\s+wal-g/);
    expect(lines[rowOf(screen, SET_ID)]).toMatch(/set\s+.*2d\s+4\.0 kB\s+app,shop/);
    expect(rowOf(screen, SET_ID)).toBeLessThan(rowOf(screen, '1764600000.sql.gz'));
    expect(lines.at(-1)).toContain('esc back');
    expect(lines.at(-1)).toContain('C clone');
    await screen.press('esc');
    await screen.waitFor((s) => s.includes('acid-demo-2') && !s.includes('Last base backup'));
  });

  it('on b, ↑/↓ select a backup: C starts the clone wizard on that base backup, D the restore wizard on that logical backup', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions, look: { plain: true } });
    await screen.waitFor('acid-small');
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    await screen.press('b');
    await screen.waitFor('Last base backup');
    const marked = () => screen!.lines().filter((l) => l.startsWith('>'));
    // nothing is selected until a key moves: C then starts on "latest", as from the cluster view
    expect(marked()).toEqual([]);
    await screen.press('down', 'down');
    await screen.waitFor((t) => /^>base_000000010000000000000002/m.test(t));
    expect(marked()).toHaveLength(1);
    await screen.press('C');
    await screen.waitFor('restore up to which point?');
    expect(screen.lines().find((l) => l.startsWith('>'))).toContain('base_000000010000000000000002  finished');
    await screen.press('enter');
    await screen.waitFor('name the new cluster');
    await screen.press('esc');
    await screen.waitFor((t) => !t.includes('name the new cluster'));
    // on to the older logical backup (the last row), past the base backups
    await screen.press('G');
    await screen.waitFor((t) => /^>1764600000\.sql\.gz/m.test(t));
    await screen.press('D');
    await screen.waitFor('pick the backup');
    expect(screen.lines().find((l) => l.startsWith('>'))).toContain('1764600000.sql.gz');
    await screen.press('enter');
    await screen.waitFor('pick the database to restore');
  });

  it('without colour the marks say it: OVERDUE!, x for the gap, the BACKUP column with !', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions, look: { plain: true } });
    const list = await screen.waitFor('acid-small');
    within80(list);
    expect(list).toMatch(/BACKUP/);
    expect(screen.lines()[rowOf(screen, 'acid-demo')]).toMatch(/Healthy\s+20h!/);
    expect(screen.lines()[rowOf(screen, 'acid-small')]).toMatch(/Healthy\s+1h\s/);
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    await screen.press('b');
    // (the cluster view's line says OVERDUE! too: wait for the section itself)
    const t = await screen.waitFor('Last base backup');
    expect(t).toContain('OVERDUE!');
    expect(t).toContain('x GAP on TL 2');
    expect(t).toMatch(/B=+B=+x+/);
  });

  it("keeps BACKUP at 80 columns beside a clone's long names while no row has a message", async () => {
    const w = world();
    // what a clone from the console adds: a 15-character name, and a leader whose name is cut to fit
    w.store.getState().apply([
      { op: 'upsert', kind: 'postgresqls', obj: postgresql('acid-demo-clone', 1) },
      { op: 'upsert', kind: 'pods', obj: memberPod('acid-demo-clone', 0, 'master') },
      { op: 'upsert', kind: 'statefulsets', obj: { metadata: { name: 'acid-demo-clone', namespace: 'default' }, spec: { replicas: 1 }, status: { readyReplicas: 1, currentRevision: 'r1', updateRevision: 'r1' } } as { metadata: { name: string } } },
    ]);
    // every namespace, as the demo opens: the NAMESPACE column too
    w.store.setState({ context: { ...w.store.getState().context, allNamespaces: true } });
    screen = await renderScreen({ store: w.store, actions: w.actions, look: { plain: true } });
    const list = await screen.waitFor(/^ ?default\s+acid-demo-clone\s/m);
    within80(list);
    expect(screen.lines()[1]).toMatch(/HEALTH\s+BACKUP/);
    expect(screen.lines()[rowOf(screen, 'acid-demo ')]).toMatch(/Healthy\s+20h!/);
  });

  it('the BACKUP column is red when a backup is overdue, and absent without a bucket; b then says so', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.waitFor('acid-small');
    expect(isRed(screen, '20h!')).toBe(true);
    await screen.unmount();
    const n = world({ configured: false });
    screen = await renderScreen({ store: n.store, actions: n.actions });
    const list = await screen.waitFor('acid-small');
    expect(list).not.toContain('BACKUP');
    await openDemo(screen);
    await screen.waitFor('Backups: no backup bucket configured');
    await screen.press('b');
    await screen.waitFor('No backup bucket configured');
  });

  it('s sorts by BACKUP (overdue first, then the oldest) beside a feed, and skips it without one', async () => {
    const w = world();
    // acid-small's last backup is two days old on a daily schedule (overdue); acid-demo's logical backups unscheduled
    w.store.getState().setBackups((b) => ({
      clusters: {
        'default/acid-demo': { ...b.clusters['default/acid-demo'], schedules: { base: '00 1 * * *' } },
        'default/acid-small': { ...b.clusters['default/acid-small'], catalog: catalog('acid-small', 'u-small', { baseBackups: [base('base_000000010000000000000004', 1, 50 * H)] }) },
      },
    }));
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.waitFor('acid-small');
    const order = () => [rowOf(screen!, 'acid-demo '), rowOf(screen!, 'acid-small ')];
    expect(order()[0]).toBeLessThan(order()[1]);
    await screen.press('s', 's', 's', 's');
    const t = await screen.waitFor('BACKUP▼');
    within80(t);
    expect(screen.lines()[rowOf(screen, 'acid-small ')]).toMatch(/\s2d!\s/);
    expect(order()[1]).toBeLessThan(order()[0]);
    await screen.press('s');
    await screen.waitFor('NAME▼');
    expect(order()[0]).toBeLessThan(order()[1]);
  });

  it('without a bucket, s cycles past BACKUP', async () => {
    const w = world({ configured: false });
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.waitFor('acid-small');
    await screen.press('s', 's', 's');
    await screen.waitFor('LAG MiB▼');
    await screen.press('s');
    await screen.waitFor('NAME▼');
  });

  it('B browses live and deleted clusters (by uid); the feed is told to list the bucket only while it is open', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.waitFor('acid-small');
    expect(w.store.getState().backups.browsing).toBe(false);
    await screen.press('B');
    const t = await screen.waitFor('RESTORABLE TO');
    within80(t);
    expect(t).toContain('Backups in s3://zpg-demo at http://127.0.0.1:9000 · 2 live · 1 deleted');
    expect(screen.lines()[rowOf(screen, 'acid-demo')]).toMatch(/acid-demo\s+live\s+u-demo\s+20h\s+2d!\s+\d{4}-.*gap TL 2/);
    expect(screen.lines()[rowOf(screen, 'old-shop')]).toMatch(/old-shop\s+deleted\s+u-old-12\s+1d\s+none\s/);
    expect(w.store.getState().backups.browsing).toBe(true);
    expect(screen.lines().at(-1)).toContain('enter clone');
    await screen.press('esc');
    await screen.waitFor((s) => !s.includes('RESTORABLE TO'));
    expect(w.store.getState().backups.browsing).toBe(false);
  });

  it('clone wizard from the browser on a deleted cluster: latest → name → preview of the manifest → apply emits the clone request', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await screen.waitFor('acid-small');
    await screen.press('B');
    await screen.waitFor('old-shop');
    await screen.press('down', 'down', 'enter');
    let t = await screen.waitFor('restore up to which point?');
    expect(t).toContain('clone default/old-shop (deleted, uid u-old-1234): restore up to which point?');
    expect(t).toContain('latest: the end of the window');
    expect(t).toContain('base_000000010000000000000003  finished');
    await screen.press('enter');
    await screen.waitFor('name the new cluster');
    expect(screen.text()).toContain('> old-shop-clone');
    await screen.press('enter');
    t = await screen.waitFor('the end of the window means 2026-12-05T03:00:00Z');
    within80(t);
    expect(w.previews).toEqual([{ cluster: 'old-shop', namespace: 'default', to: 'old-shop-clone', latest: true, uid: 'u-old-1234' }]);
    expect(t).toContain('base backup base_000000010000000000000003, finished 2026-12-03T10:00:00Z');
    expect(t).toContain('then WAL 000000010000000000000003 → 000000010000000000000009 (TL 1)');
    expect(t).toContain('    cluster: old-shop');
    expect(w.asked).toEqual([]);
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('y / enter: create'));
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'clone', cluster: 'old-shop', to: 'old-shop-clone', latest: true, uid: 'u-old-1234', apply: true } }]);
  });

  it("clone wizard on a live cluster's latest: the WAL it needs is the present the clone marks first, not the archive's end", async () => {
    const w = world();
    screen = await cloneLatestAtName(w);
    await screen.press('enter');
    const t = await screen.waitFor('y / enter: create');
    expect(t).toContain('then WAL 000000010000000000000003 → the present (marked and archived first)');
    expect(t).not.toContain('000000010000000000000009');
  });

  it('clone wizard on a live cluster offers a copy of it now, last: the preview and the request ask for a copy, not a time', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    await screen.press('C');
    const t = await screen.waitFor('restore up to which point?');
    expect(t.split('\n').filter((l) => l.includes('base_')).length).toBe(2);
    expect(rowOf(screen, 'a copy of acid-demo now, from its leader (pg_basebackup)')).toBeGreaterThan(rowOf(screen, 'base_000000010000000000000002'));
    // latest, a typed time, the two base backups, the copy
    await screen.press('down', 'down', 'down', 'down', 'enter');
    await screen.waitFor('name the new cluster');
    await screen.press('enter');
    await screen.waitFor('y / enter: create');
    expect(w.previews.at(-1)).toEqual({ cluster: 'acid-demo', namespace: 'default', to: 'acid-demo-clone', copy: true });
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('y / enter: create'));
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'clone', cluster: 'acid-demo', to: 'acid-demo-clone', copy: true, apply: true } }]);
  });

  it('clone wizard: NAMESPACE/NAME clones into another namespace, in the preview and the request', async () => {
    const w = world();
    screen = await cloneLatestAtName(w);
    await screen.press(...Array.from({ length: 'acid-demo-clone'.length }, () => 'backspace'));
    await screen.type('staging/acid-demo-stg');
    await screen.press('enter');
    const t = await screen.waitFor('y / enter: create staging/acid-demo-stg');
    expect(t).toContain('the present · as staging/acid-demo-stg');
    expect(w.previews.at(-1)).toEqual({ cluster: 'acid-demo', namespace: 'default', to: 'acid-demo-stg', toNamespace: 'staging', latest: true });
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('y / enter: create'));
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'clone', cluster: 'acid-demo', to: 'acid-demo-stg', toNamespace: 'staging', latest: true, apply: true } }]);
  });

  it('clone wizard with a typed time outside the window: the refusal is shown and enter goes back to the time', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    await screen.press('C');
    // a live cluster's latest point is the present (the clone task marks it), not the end of the window
    expect(await screen.waitFor('restore up to which point?')).toContain('latest: the present on acid-demo (marked when the clone is created)');
    expect(screen.text()).not.toContain('the end of the window');
    await screen.press('down', 'enter');
    await screen.waitFor('type the time to restore to');
    await screen.type('yesterday noon');
    await screen.press('enter');
    await screen.waitFor('name the new cluster');
    await screen.press('backspace', 'backspace', 'backspace', 'backspace', 'backspace');
    await screen.type('copy');
    await screen.press('enter');
    await screen.waitFor('--time yesterday noon: outside the restorable window');
    expect(w.previews.at(-1)).toEqual({ cluster: 'acid-demo', namespace: 'default', to: 'acid-demo-copy', time: 'yesterday noon' });
    await screen.press('enter');
    await screen.waitFor('> yesterday noon');
    expect(w.asked).toEqual([]);
  });

  it('clone preview of a manifest longer than the screen: says which lines it shows, and ↓/↑ scroll to its end and back', async () => {
    const w = world();
    screen = await cloneLatestAtName(w);
    await screen.press('backspace', 'backspace', 'backspace', 'backspace', 'backspace');
    await screen.type('long');
    await screen.press('enter');
    let t = await screen.waitFor('manifest lines 1–');
    within80(t);
    expect(t).toContain('apiVersion: acid.zalan.do/v1');
    expect(t).not.toContain('extra40: x');
    expect(t).toMatch(/manifest lines 1–\d+ of 48 \(↑\/↓ scroll\)/);
    expect(t).toContain('y/enter apply  ↑/↓ scroll  n/esc cancel');
    // more presses than lines: the window stops at the end, and the first ↑ moves it at once
    await screen.press(...Array.from({ length: 50 }, () => 'down'));
    t = await screen.waitFor('extra40: x');
    expect(t).not.toContain('apiVersion: acid.zalan.do/v1');
    const first = Number(/manifest lines (\d+)–48 of 48/.exec(t)?.[1]);
    await screen.press('up');
    await screen.waitFor(`manifest lines ${first - 1}–47 of 48`);
    await screen.press(...Array.from({ length: first }, () => 'k'));
    await screen.waitFor('apiVersion: acid.zalan.do/v1');
    expect(w.asked).toEqual([]);
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('y / enter: create'));
    expect(w.asked).toMatchObject([{ request: { kind: 'clone', to: 'acid-demo-long' } }]);
  });

  it('logical restore wizard: backup → database → target → new name → y; a name that exists wants itself typed and sends force', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    await screen.press('D');
    let t = await screen.waitFor('pick the backup');
    within80(t);
    // newest first: the set, then Zalando's dumpall
    expect(rowOf(screen, SET_ID)).toBeLessThan(rowOf(screen, '1764600000.sql.gz'));
    // each with when (UTC, to the minute) and how big
    expect(t).toMatch(new RegExp(`${SET_ID}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ  4\\.0 kB  set: app, shop`));
    expect(t).toMatch(/1764600000\.sql\.gz {2}\d{4}-\d\d-\d\d \d\d:\d\dZ {2}2\.0 kB {2}dumpall/);
    await screen.press('enter');
    t = await screen.waitFor('pick the database to restore');
    expect(t).toContain('all databases, as dumped');
    await screen.press('enter');
    t = await screen.waitFor('pick the cluster to restore into');
    expect(t).toContain('acid-demo (the same cluster)');
    await screen.press('enter');
    await screen.waitFor('> app_restored');
    await screen.press('enter');
    t = await screen.waitFor('y / enter: go on');
    expect(t.replace(/\n/g, ' ')).toContain(`restore database app of ${SET_ID} into default/acid-demo as app_restored`);
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('y / enter: go on'));
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'logical-restore', cluster: 'acid-demo', backup: SET_ID, database: 'app', into: 'acid-demo', targetDb: 'app_restored' } }]);

    // again, onto the database itself: an overwrite
    await screen.press('D');
    await screen.waitFor('pick the backup');
    await screen.press('enter');
    await screen.waitFor('pick the database to restore');
    await screen.press('enter');
    await screen.waitFor('pick the cluster to restore into');
    await screen.press('enter');
    await screen.waitFor('> app_restored');
    await screen.press(...Array.from({ length: 9 }, () => 'backspace'));
    await screen.waitFor((s) => s.includes('> app█'));
    await screen.press('enter');
    await screen.waitFor('OVERWRITE it (--force)');
    await screen.type('ap');
    await screen.press('enter');
    await screen.waitFor('"ap" is not app');
    expect(w.asked).toHaveLength(1);
    await screen.type('app');
    await screen.press('enter');
    await screen.waitFor((s) => !s.includes('OVERWRITE'));
    expect(w.asked[1]).toEqual({ namespace: 'default', request: { kind: 'logical-restore', cluster: 'acid-demo', backup: SET_ID, database: 'app', into: 'acid-demo', targetDb: 'app', force: true } });
  });

  it('L asks, then emits a logical backup of the open cluster', async () => {
    const w = world();
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    await screen.press('L');
    await screen.waitFor('take a logical backup of default/acid-demo now');
    expect(w.asked).toEqual([]);
    await screen.press('y');
    await screen.waitFor((s) => !s.includes('take a logical backup'));
    expect(w.asked).toEqual([{ namespace: 'default', request: { kind: 'logical-backup', cluster: 'acid-demo' } }]);
  });

  it('read-only refuses L, D and C, and neither the help nor the hints list them', async () => {
    const w = world({ readOnly: true });
    screen = await renderScreen({ store: w.store, actions: w.actions });
    await openDemo(screen);
    for (const [key, what] of [['L', 'logical backup'], ['D', 'logical restore'], ['C', 'clone']]) {
      await screen.press(key);
      await screen.waitFor(`read-only session (--read-only): ${what} is disabled`);
    }
    await screen.press('b');
    await screen.waitFor('Last base backup');
    const hints = screen.lines().at(-1)!;
    expect(hints).toContain('esc back');
    expect(hints).not.toMatch(/clone|restore|dump now/);
    expect(w.asked).toEqual([]);
    const help = helpLines(true).map((l) => l.keys);
    expect(help).not.toContain('C');
    expect(help).not.toContain('D');
    expect(help).not.toContain('L');
    expect(helpLines(false).map((l) => l.keys)).toEqual(expect.arrayContaining(['C', 'D', 'L', 'b', 'B']));
  });
});

