// The cluster view's history (h) and replication (r) panes at 80x24: what
// each shows, that the pollers are told which pane is on screen (and only
// then read), and that h no longer leaves the cluster view (esc does).
import { afterEach, describe, expect, it } from 'vitest';
import { demoStore } from '../helpers/console-world.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';
import type { ReplicationReport } from '../../src/services/replication/types.ts';

let screen: Screen | undefined;
afterEach(async () => {
  await screen?.unmount();
  screen = undefined;
});

const HISTORY = [
  { timeline: 1, lsn: '0/5000060', lsnBytes: 0x5000060, reason: 'no recovery target specified', time: '2026-12-05T04:10:11.000Z', newLeader: 'acid-demo-1' },
  { timeline: 2, lsn: '0/7000148', lsnBytes: 0x7000148, reason: 'no recovery target specified', time: '2026-12-05T04:20:22.000Z', newLeader: 'acid-demo-0' },
];

const now = () => new Date().toISOString();
const REPORT: ReplicationReport = {
  at: now(),
  leader: 'acid-demo-0',
  leaderLsn: '0/9000000',
  source: 'sql',
  errors: [],
  streams: [
    { name: 'acid-demo-1', state: 'streaming', syncState: 'async', syncPriority: 0, sentLagBytes: 0, writeLagBytes: 0, flushLagBytes: 0, replayLagBytes: 0, writeLagSeconds: 0.001, flushLagSeconds: 0.002, replayLagSeconds: 0.003 },
    { name: 'acid-demo-2', state: 'streaming', syncState: 'async', syncPriority: 0, sentLagBytes: 0, writeLagBytes: 0, flushLagBytes: 0, replayLagBytes: 16 * 1048576, writeLagSeconds: 0.001, flushLagSeconds: 0.001, replayLagSeconds: 42 },
  ],
  receivers: [
    { name: 'acid-demo-1', receiverStatus: 'streaming', receiveLsn: '0/8000000', replayLsn: '0/8000000', receiveLagBytes: 16 * 1048576, replayLagBytes: 16 * 1048576, replayPaused: false, verdict: 'receive stuck' },
    { name: 'acid-demo-2', receiverStatus: 'streaming', receiveLsn: '0/9000000', replayLsn: '0/8000000', receiveLagBytes: 0, replayLagBytes: 16 * 1048576, replayPaused: true, verdict: 'replay paused' },
  ],
  slots: [
    { name: 'acid_demo_1', type: 'physical', active: true, restartLsn: '0/8000000', retainedBytes: 16 * 1048576, walStatus: 'reserved' },
    { name: 'acid_demo_2', type: 'physical', active: false, restartLsn: '0/8000000', retainedBytes: 16 * 1048576, walStatus: 'reserved' },
  ],
};

describe('history and replication panes at 80x24', () => {
  it('h asks for the history of the open cluster and shows it newest first with LSN, time, new leader and reason', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter');
    await screen.waitFor('acid-demo-2');
    expect(store.getState().focus.pane).toBeUndefined(); // events: nothing to poll
    await screen.press('h');
    let lines = (await screen.waitFor("asking Patroni for the cluster's history")).split('\n');
    expect(store.getState().focus).toEqual({ cluster: 'default/acid-demo', pane: 'history' });
    expect(lines[0]).toContain('clusters › default/acid-demo'); // h did not go back
    store.getState().setHistory({ cluster: 'default/acid-demo', rows: HISTORY, via: 'acid-demo-0', at: Date.now() });
    lines = (await screen.waitFor('0/7000148')).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Timelines'));
    expect(lines[at - 1]).toMatch(/^ {2}Events e {3}Manifest y {2}\[History h\] {2}Repl r {2}1-4 of 4 · tab: members/);
    expect(lines[at]).toMatch(/^Timelines via acid-demo-0 · 2 switches · newest first · read 0s ago$/);
    expect(lines[at + 1]).toMatch(/^TL\s+LSN\s+TIME \(UTC\)\s+NEW LEADER\s+REASON$/);
    expect(lines[at + 2]).toMatch(/^2\s+0\/7000148\s+12-05 04:20:22 acid-demo-0\s+no recovery target specified$/);
    expect(lines[at + 3]).toMatch(/^1\s+0\/5000060\s+12-05 04:10:11 acid-demo-1\s+no recovery target specified$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);

    // a failed read keeps what was read, and says why it is not newer
    store.getState().setHistory({ cluster: 'default/acid-demo', rows: HISTORY, via: 'acid-demo-0', at: Date.now() - 60_000, error: 'Patroni /history did not answer within 10 s' });
    await screen.waitFor(/read 1m ago[\s\S]*! Patroni \/history did not answer within 10 s[\s\S]*0\/7000148/);

    await screen.press('esc');
    await screen.waitFor((t) => t.split('\n')[0].endsWith('clusters'));
    expect(store.getState().focus).toEqual({});
  });

  it('r shows the leader\'s view and the standbys\' own, so "receive stuck" and "replay paused" read differently, and the slots', async () => {
    const store = demoStore();
    screen = await renderScreen({ store });
    await screen.press('enter', 'r');
    await screen.waitFor('reading replication from the members');
    expect(store.getState().focus).toEqual({ cluster: 'default/acid-demo', pane: 'replication' });
    store.getState().setReplication({ cluster: 'default/acid-demo', report: REPORT, at: Date.now() });
    const lines = (await screen.waitFor('acid_demo_2')).split('\n');
    const at = lines.findIndex((l) => l.startsWith('Leader acid-demo-0'));
    expect(lines[at - 1]).toMatch(/\[Repl r\] 1-12 of 12/);
    expect(lines[at]).toBe('Leader acid-demo-0 at 0/9000000 · from SQL · read 0s ago');
    expect(lines[at + 2]).toMatch(/^STANDBY\s+STATE\s+SYNC\s+SENT\s+WRITE\s+FLUSH\s+REPLAY\s+W\/F\/R LAG s$/);
    expect(lines[at + 3]).toMatch(/^acid-demo-1\s+streaming\s+async\s+0 B\s+0 B\s+0 B\s+0 B\s+0\.0\/0\.0\/0\.0$/);
    expect(lines[at + 4]).toMatch(/^acid-demo-2\s+streaming\s+async\s+0 B\s+0 B\s+0 B\s+16 MB\s+0\.0\/0\.0\/42$/);
    expect(lines[at + 6]).toMatch(/^STANDBY\s+RECEIVER\s+RECEIVED\s+REPLAYED\s+RECV LAG\s+RPLY LAG\s+VERDICT$/);
    expect(lines[at + 7]).toMatch(/^acid-demo-1\s+streaming\s+0\/8000000\s+0\/8000000\s+16 MB\s+16 MB\s+receive stuck$/);
    expect(lines[at + 8]).toMatch(/^acid-demo-2\s+streaming\s+0\/9000000\s+0\/8000000\s+0 B\s+16 MB\s+replay paused$/);
    expect(lines[at + 9]).toMatch(/^SLOT\s+TYPE\s+ACTIVE\s+RESTART LSN\s+RETAINED\s+WAL$/);
    expect(lines[at + 10]).toMatch(/^acid_demo_1\s+physical\s+yes\s+0\/8000000\s+16 MB\s+reserved$/);
    expect(lines[at + 11]).toMatch(/^acid_demo_2\s+physical\s+NO\s+0\/8000000\s+16 MB\s+reserved$/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    // stuck is red, paused is yellow: the screen's colours, not only the words
    const colour = (row: number) => screen!.term.buffer.active.getLine(row)!.getCell(0)!.getFgColor();
    expect(colour(at + 7)).toBe(1); // red
    expect(colour(at + 8)).toBe(3); // yellow
    expect(screen.term.buffer.active.getLine(at + 10)!.getCell(0)!.isFgDefault()).toBeTruthy(); // an active slot is not news
  });
});
