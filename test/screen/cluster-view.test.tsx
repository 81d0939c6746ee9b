// Opening a cluster at 80x24: the summary, the members as patronictl shows
// them with where their data comes from, staleness with its age, and the
// events/manifest pane scrolled with the keys.
import { afterEach, describe, expect, it } from 'vitest';
import { demoStore, postgresql } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const REST_MEMBERS = [
  { name: 'acid-demo-0', role: 'leader', state: 'running', host: '127.0.40.1', timeline: 1, pendingRestart: false },
  { name: 'acid-demo-1', role: 'replica', state: 'streaming', host: '127.0.40.2', timeline: 1, lagBytes: 0, pendingRestart: true },
  { name: 'acid-demo-2', role: 'replica', state: 'streaming', host: '127.0.40.3', timeline: 1, lagBytes: 3 * 1048576, pendingRestart: false },
];

describe('cluster view at 80x24', () => {
  it("says what the operator's conditions report when one is not True", async () => {
    const store = demoStore();
    const pg = postgresql('acid-demo', 3);
    pg.status = { PostgresClusterStatus: 'Running', conditions: [{ type: 'Ready', status: 'False', reason: 'MembersNotReady', message: '2/3 members ready' }] } as typeof pg.status;
    store.getState().apply([{ op: 'upsert', kind: 'postgresqls', obj: pg }]);
    screen = await renderScreen({ store });
    await screen.press('enter');
    const lines = (await screen.waitFor('acid-demo-2')).split('\n');
    expect(lines[2]).toBe('Pods 3/3 ready of 3 · leader acid-demo-0 (TL 1) · Healthy · operator Running');
    expect(lines[3]).toBe('Ready False: 2/3 members ready');
    expect(lines[4]).toBe('members: pod annotations, asking Patroni…');
    expect(lines[23]).toMatch(/^enter log/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('opens with enter and tells the pollers which cluster is on screen', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter');
    const lines = (await screen.waitFor('acid-demo-2')).split('\n');
    expect(store.getState().focus).toEqual({ cluster: 'default/acid-demo' });
    expect(lines[0]).toBe('zpg · zpg-sandbox · ns default · clusters › default/acid-demo');
    expect(lines[1]).toBe('acid-demo in default · team acid · PostgreSQL 15 · sts 3/3 · spilo-15:3.0-p1');
    expect(lines[2]).toBe('Pods 3/3 ready of 3 · leader acid-demo-0 (TL 1) · Healthy · operator Running');
    expect(lines[3]).toBe('members: pod annotations, asking Patroni…');
    expect(lines[4]).toMatch(/^MEMBER\s+ROLE\s+STATE\s+READY\s+POD\s+TL\s+LAG\s+R\s+SRC$/);
    expect(lines[5]).toMatch(/^acid-demo-0\s+leader\s+running\s+1\/1\s+Running\s+1\s+-\s+pod$/);
    expect(lines[6]).toMatch(/^acid-demo-1\s+replica\s+running\s+1\/1\s+Running\s+1\s+2M\s+pod$/);
    expect(lines[8]).toMatch(/^ \[Events e\] {2}Manifest y {3}History h {3}Repl r {2}1-3 of 3 · tab: scroll here/);
    expect(lines[9]).toMatch(/^AGE\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines[10]).toMatch(/^45m\s+Warning\s+Unhealthy\s+acid-demo-1\s+Readiness probe failed/);
    expect(lines[12]).toMatch(/^50m\s+Normal\s+Create\s+acid-demo\s+Started creation/);
    expect(lines.join('\n')).not.toContain('acid-small'); // another cluster's events stay out
    expect(lines[23]).toBe('enter log  tab pane  e events  y yaml  d why  esc back  : cmd  ? help  q quit');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('shows Patroni\'s view while it answers, and STALE with the age when it stops', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter');
    store.getState().setPatroni('default/acid-demo', { members: REST_MEMBERS, at: Date.now(), via: 'acid-demo-0' });
    let t = await screen.waitFor('via acid-demo-0');
    expect(t).toMatch(/acid-demo-1\s+replica\s+streaming\s+1\/1\s+Running\s+1\s+0\s+\*\s+api/);
    expect(t).toMatch(/acid-demo-2\s+replica\s+streaming\s+1\/1\s+Running\s+1\s+3M\s+api/);
    store.getState().setPatroni('default/acid-demo', { members: REST_MEMBERS, at: Date.now() - 65_000, via: 'acid-demo-0', error: 'acid-demo-0: no answer within 3000 ms', failedSince: Date.now() - 5_000 });
    t = await screen.waitFor('STALE');
    const line = t.split('\n')[3];
    expect(line).toMatch(/^STALE Patroni unreachable [56]s, last answer 1m ago; members from pod annotations/);
    expect(t).toMatch(/acid-demo-1\s+replica\s+running\s+1\/1\s+Running\s+1\s+2M\s+pod/);
    await screen.waitFor(/unreachable [78]s/, 3000); // the age counts while it is stale
  });

  it('scrolls the manifest as YAML, without the server\'s bookkeeping', async () => {
    screen = await renderScreen({ store: demoStore() });
    await screen.press('enter', 'y');
    let lines = (await screen.waitFor('apiVersion: acid.zalan.do/v1')).split('\n');
    expect(lines[8]).toBe('  Events e  [Manifest y]  History h   Repl r  1-13 of 20 · tab: members');
    expect(lines[9]).toBe('apiVersion: acid.zalan.do/v1');
    expect(lines.join('\n')).not.toContain('managedFields');
    // The pane has the keys: j scrolls it, the member cursor stays.
    await screen.press('j', 'j');
    lines = (await screen.waitFor((t) => t.split('\n')[9] === 'metadata:')).split('\n');
    expect(lines[9]).toBe('metadata:');
    await screen.press('G');
    lines = (await screen.waitFor('PostgresClusterStatus')).split('\n');
    expect(lines[21]).toBe('  PostgresClusterStatus: Running');
    await screen.press('tab', 'j');
    // keys back on the members: j moves their cursor (waited for, not timed), and the pane stays where it was
    const cursorRow = () => screen!.lines().find((_, y) => screen!.term.buffer.active.getLine(y)?.getCell(0)?.isInverse()) ?? '';
    await screen.waitFor(() => cursorRow().startsWith('acid-demo-1'));
    expect(screen.lines()[21]).toBe('  PostgresClusterStatus: Running');
  });

  it('marks the pane with the keys by a ">" when colours are off', async () => {
    screen = await renderScreen({ store: demoStore(), look: { plain: true } });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    expect(screen.lines()[5]).toMatch(/^>acid-demo-0/);
    await screen.press('tab');
    await screen.waitFor(/^>\[Events e\]/m);
    expect(screen.lines()[5]).toMatch(/^ acid-demo-0/);
  });

  it('says so when the cluster is deleted while open', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    store.getState().remove('postgresqls', { metadata: { name: 'acid-demo', namespace: 'default' } });
    await screen.waitFor('This cluster is gone. Press esc to go back.');
    await screen.press('esc');
    await screen.waitFor('acid-small');
  });
});

describe('cursors', () => {
  it('keeps the list cursor across a visit to a cluster, and keeps cursors on rows that remain', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('j', 'enter');
    await screen.waitFor('acid-small-1');
    await screen.press('j', 'esc');
    await screen.waitFor('enter open');
    const inverse = () => screen!.lines().findIndex((_, y) => screen!.term.buffer.active.getLine(y)?.getCell(0)?.isInverse());
    await screen.waitFor(() => inverse() === 3); // still on acid-small
    store.getState().remove('postgresqls', { metadata: { name: 'acid-small', namespace: 'default' } });
    await screen.waitFor((t) => !t.includes('acid-small'));
    await screen.waitFor(() => inverse() === 2); // moved onto the last row left
    await screen.press('enter');
    await screen.waitFor('clusters › default/acid-demo');
  });
});
