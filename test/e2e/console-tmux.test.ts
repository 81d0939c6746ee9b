// The built `zpg` console in a real terminal (tmux, 80x24) against `zpg demo`:
// real Patroni + PostgreSQL members behind the sandbox API, reached through
// port-forward. Keys go in with send-keys, the screen comes back with
// capture-pane. Then the leader's processes are killed (SIGKILL to Patroni and
// its postmaster, found by the member's data directory in /proc/*/cmdline, as
// the kubelet finds them) and the new leader must be on screen within 30 s.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_LEADER_ROW as LEADER_ROW, hasTmux, memberProcesses, tmuxAgainstDemo } from '../helpers/tmux.ts';

const ESC = '\x1b';
/** SGR parameters in the pane: colours (30-38, 40-48, 90-97, 100-107) and inverse (7); 39/49 are resets to default */
function styles(pane: string): { colour: boolean; inverse: boolean } {
  const params = [...pane.matchAll(new RegExp(`${ESC}\\[([\\d;]*)m`, 'g'))].flatMap((m) => m[1].split(';').map(Number));
  return { colour: params.some((p) => (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 107)), inverse: params.includes(7) };
}

describe.skipIf(!hasTmux)(`zpg console in tmux against zpg demo${hasTmux ? '' : ' (skipped: tmux is not installed)'}`, () => {
  const { screen, waitForScreen, startConsole, keys, quit, demo } = tmuxAgainstDemo('console');

  it('shows the clusters, opens acid-demo, and shows the new leader within 30 s of killing the old one', async () => {
    startConsole('main');
    // The BACKUP column comes with the backups feed's first catalog, which may land before or after the clusters.
    let s = await waitForScreen('main', 'both clusters and the BACKUP column', (x) => /^acid-demo\s/m.test(x) && /^acid-small\s/m.test(x) && /^NAME▼.* BACKUP /m.test(x));
    let lines = s.split('\n');
    expect(lines[0]).toMatch(/^zpg · zpg-sandbox · ns default · clusters/);
    expect(lines[1]).toMatch(/^NAME▼\s+TEAM\s+VER\s+PODS\s+LEADER\s+LAG MiB\s+HEALTH\s+BACKUP\s+AGE\s+MESSAGE$/);
    expect(lines[23]).toMatch(/^enter open {2}.*\/ filter/); // the hints on the last row of 24
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(styles(screen('main', true)).inverse).toBe(true); // the cursor row in inverse video

    // acid-demo sorts first: the cursor is on it.
    keys('main', 'Enter');
    s = await waitForScreen('main', "acid-demo's members from Patroni, with a leader", (x) => LEADER_ROW.test(x) && /members: Patroni REST via/.test(x), 30_000);
    lines = s.split('\n');
    expect(lines[0]).toContain('clusters › default/acid-demo');
    expect(s.match(/^acid-demo-\d\s/gm)).toHaveLength(3);
    const leader = s.match(LEADER_ROW)![1];
    expect(lines[1]).toContain('sts 3/3');
    expect(lines[2]).toContain(`leader ${leader}`);
    // The operator's events, from the events informer.
    await waitForScreen('main', "the operator's events", (x) => /^\d+[smh]\s+Normal\s+\S+\s+acid-demo\s/m.test(x));

    // The first member's log, through pods/log: Patroni's own lines.
    keys('main', 'Enter');
    s = await waitForScreen('main', 'the log of acid-demo-0', (x) => /^log default\/acid-demo-0 · following · \d+ lines$/m.test(x) && /INFO: /.test(x));
    expect(s.split('\n')[0]).toContain('› log');
    keys('main', 'Escape');
    await waitForScreen('main', 'the members again', (x) => LEADER_ROW.test(x));

    const victims = memberProcesses(join(demo.dir, 'volumes', 'default', `pgdata-${leader}`));
    expect(victims.length, `processes of ${leader} under ${demo.dir}`).toBeGreaterThanOrEqual(2);
    const killedAt = Date.now();
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone with its parent
      }
    }
    s = await waitForScreen('main', `a new leader other than ${leader}`, (x) => {
      const m = x.match(LEADER_ROW);
      return m && m[1] !== leader;
    }, 30_000);
    const took = Date.now() - killedAt;
    const next = s.match(LEADER_ROW)![1];
    expect(next).not.toBe(leader);
    expect(took).toBeLessThan(30_000);
    console.log(`e2e: ${leader} killed; ${next} leads on screen after ${(took / 1000).toFixed(1)} s`);

    // q gives the terminal back: the shell's lines around the console are there again.
    const quitAt = Date.now();
    s = await quit('main');
    expect(Date.now() - quitAt).toBeLessThan(3000); // nothing in flight holds zpg open
    expect(s).toContain('shell-before');
    expect(s).not.toContain('zpg · ');
  }, 120_000);

  it('marks the members STALE, from pod annotations, while Patroni does not answer, and fresh again when it does', async () => {
    startConsole('stale');
    await waitForScreen('stale', 'the clusters', (x) => /^acid-small\s/m.test(x));
    keys('stale', 'j', 'Enter');
    await waitForScreen('stale', "acid-small's members from Patroni", (x) => /members: Patroni REST via acid-small-\d/.test(x), 30_000);
    // Frozen, not killed: Patroni's REST API stops answering, and nothing fails over.
    const patronis = [0, 1].flatMap((i) => memberProcesses(join(demo.dir, 'volumes', 'default', `pgdata-acid-small-${i}`)).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('patroni')));
    expect(patronis.length).toBeGreaterThanOrEqual(2);
    try {
      for (const pid of patronis) process.kill(pid, 'SIGSTOP');
      const s = await waitForScreen('stale', 'the STALE mark', (x) => /^STALE Patroni unreachable \d+s, last answer \d+s ago; members from pod annotations/m.test(x), 30_000);
      expect(s).toMatch(/^acid-small-0\s.*\spod$/m);
    } finally {
      for (const pid of patronis) process.kill(pid, 'SIGCONT');
    }
    await waitForScreen('stale', 'fresh members again', (x) => /members: Patroni REST via/.test(x) && /^acid-small-0\s.*\sapi$/m.test(x), 60_000);
    keys('stale', 'q');
  }, 120_000);

  it('counts every pod once after switching namespaces back and forth (:ns default, :ns all, ...)', async () => {
    startConsole('ns');
    const counted = (x: string, prefix: string) => /acid-demo\s/.test(x) && new RegExp(`^${prefix}acid-demo\\s+(\\S+\\s+)?(\\S+\\s+)?\\d\\/3\\s`, 'm').test(x) && new RegExp(`^${prefix}acid-small\\s+(\\S+\\s+)?(\\S+\\s+)?\\d\\/2\\s`, 'm').test(x);
    await waitForScreen('ns', 'both clusters with their pods', (x) => counted(x, ''), 30_000);
    for (const ns of ['default', 'all', 'zpg-system', 'all', 'default', 'all']) {
      keys('ns', `:ns ${ns}`, 'Enter');
      if (ns === 'zpg-system') {
        await waitForScreen('ns', 'no clusters in zpg-system', (x) => x.includes('ns zpg-system') && x.includes('No clusters.'));
        continue;
      }
      const s = await waitForScreen('ns', `the clusters in ${ns}`, (x) => x.includes(ns === 'all' ? 'all namespaces' : 'ns default') && counted(x, ns === 'all' ? 'default\\s+' : ''), 30_000);
      // Not 6/3 nor 4/2: each pod once, as many as the clusters want.
      expect(s).toMatch(/acid-demo\s+(\S+\s+)?(\S+\s+)?[0-3]\/3\s/);
      expect(s).toMatch(/acid-small\s+(\S+\s+)?(\S+\s+)?[0-2]\/2\s/);
    }
    // Whatever settled, the numbers stay: give the watches time to repeat what they listed.
    await new Promise((r) => setTimeout(r, 3000));
    const s = screen('ns');
    expect(s).toMatch(/^default\s+acid-demo\s+(\S+\s+)?[0-3]\/3\s/m);
    expect(s).toMatch(/^default\s+acid-small\s+(\S+\s+)?[0-2]\/2\s/m);
    keys('ns', 'Enter');
    const members = await waitForScreen('ns', "acid-demo's members", (x) => /^acid-demo-2\s/m.test(x), 30_000);
    expect(members.match(/^acid-demo-\d\s/gm)).toHaveLength(3);
    expect(members).toMatch(/Pods [0-3]\/3 ready of 3/);
    // q ends it at once: a watch opened by an informer stopped mid-list used to keep zpg alive for minutes.
    await quit('ns', 10_000);
  }, 120_000);

  it('honours NO_COLOR: no colour or inverse codes, a ">" marks the cursor row', async () => {
    startConsole('plain', { NO_COLOR: '1' });
    await waitForScreen('plain', 'the clusters', (x) => /^>acid-demo\s/m.test(x));
    expect(styles(screen('plain', true))).toEqual({ colour: false, inverse: false });
    keys('plain', 'Enter');
    await waitForScreen('plain', 'the members', (x) => /^>acid-demo-0\s/m.test(x));
    expect(styles(screen('plain', true))).toEqual({ colour: false, inverse: false });
    await quit('plain');
  }, 60_000);
});
