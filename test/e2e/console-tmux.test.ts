// The built `zpg` console in a real terminal (tmux, 80x24) against `zpg demo`:
// real Patroni + PostgreSQL members behind the sandbox API, reached through
// port-forward. Keys go in with send-keys, the screen comes back with
// capture-pane. Then the leader's processes are killed (SIGKILL to Patroni and
// its postmaster, found by the member's data directory in /proc/*/cmdline, as
// the kubelet finds them) and the new leader must be on screen within 30 s.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { hasTmux, memberProcesses, tmuxServer } from '../helpers/tmux.ts';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, spawnZpg, waitForOutput } from '../helpers/zpg.ts';

const SOCKET = `zpg-e2e-${process.pid}`;
const { tmux, screen, waitForScreen, startZpg } = tmuxServer(SOCKET);
const startConsole = (session: string, kubeconfig: string, env: Record<string, string> = {}) => startZpg(session, ['--kubeconfig', kubeconfig], env);

const ESC = '\x1b';
/** SGR parameters in the pane: colours (30-38, 40-48, 90-97, 100-107) and inverse (7); 39/49 are resets to default */
function styles(pane: string): { colour: boolean; inverse: boolean } {
  const params = [...pane.matchAll(new RegExp(`${ESC}\\[([\\d;]*)m`, 'g'))].flatMap((m) => m[1].split(';').map(Number));
  return { colour: params.some((p) => (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 107)), inverse: params.includes(7) };
}

const LEADER_ROW = /^(acid-demo-\d)\s+127\.\S+\s+leader\s+running\s+\d+\s+-\s+api$/m;

describe.skipIf(!hasTmux)(`zpg console in tmux against zpg demo${hasTmux ? '' : ' (skipped: tmux is not installed)'}`, () => {
  let dir: string;
  let kubeconfig: string;
  let demo: ChildProcess | undefined;

  beforeAll(async () => {
    // Members run as postgres when the tests run as root: the directory must be reachable for them.
    dir = mkdtempSync('/var/tmp/zpg-e2e-');
    chmodSync(dir, 0o755);
    kubeconfig = join(dir, 'kubeconfig');
    demo = spawnZpg(['demo', '--headless', '--kubeconfig', kubeconfig, '--data-dir', dir]);
    await waitForOutput(demo, /^zpg demo: ready/m, 150_000);
  }, 180_000);

  afterAll(async () => {
    if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    if (demo && demo.exitCode === null) {
      demo.kill('SIGTERM');
      await exited(demo);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows the clusters, opens acid-demo, and shows the new leader within 30 s of killing the old one', async () => {
    startConsole('main', kubeconfig);
    let s = await waitForScreen('main', 'both clusters', (x) => /^acid-demo\s/m.test(x) && /^acid-small\s/m.test(x));
    let lines = s.split('\n');
    expect(lines[0]).toMatch(/^zpg · zpg-sandbox · ns default · clusters/);
    expect(lines[1]).toMatch(/^NAME\s+TEAM\s+VER\s+PODS\s+LEADER\s+LAG\s+STATUS\s+AGE$/);
    expect(lines[23]).toMatch(/^enter open {2}\/ filter/); // the hints on the last row of 24
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    expect(styles(screen('main', true)).inverse).toBe(true); // the cursor row in inverse video

    // acid-demo sorts first: the cursor is on it.
    tmux('send-keys', '-t', 'main', 'Enter');
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
    tmux('send-keys', '-t', 'main', 'Enter');
    s = await waitForScreen('main', 'the log of acid-demo-0', (x) => /^log default\/acid-demo-0 · following · \d+ lines$/m.test(x) && /INFO: /.test(x));
    expect(s.split('\n')[0]).toContain('› log');
    tmux('send-keys', '-t', 'main', 'Escape');
    await waitForScreen('main', 'the members again', (x) => LEADER_ROW.test(x));

    const victims = memberProcesses(join(dir, 'volumes', 'default', `pgdata-${leader}`));
    expect(victims.length, `processes of ${leader} under ${dir}`).toBeGreaterThanOrEqual(2);
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
    tmux('send-keys', '-t', 'main', 'q');
    s = await waitForScreen('main', 'the shell after the console', (x) => x.includes('shell-after 0'));
    expect(Date.now() - quitAt).toBeLessThan(3000); // nothing in flight holds zpg open
    expect(s).toContain('shell-before');
    expect(s).not.toContain('zpg · ');
  }, 120_000);

  it('marks the members STALE, from pod annotations, while Patroni does not answer, and fresh again when it does', async () => {
    startConsole('stale', kubeconfig);
    await waitForScreen('stale', 'the clusters', (x) => /^acid-small\s/m.test(x));
    tmux('send-keys', '-t', 'stale', 'j', 'Enter');
    await waitForScreen('stale', "acid-small's members from Patroni", (x) => /members: Patroni REST via acid-small-\d/.test(x), 30_000);
    // Frozen, not killed: Patroni's REST API stops answering, and nothing fails over.
    const patronis = [0, 1].flatMap((i) => memberProcesses(join(dir, 'volumes', 'default', `pgdata-acid-small-${i}`)).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('patroni')));
    expect(patronis.length).toBeGreaterThanOrEqual(2);
    try {
      for (const pid of patronis) process.kill(pid, 'SIGSTOP');
      const s = await waitForScreen('stale', 'the STALE mark', (x) => /^STALE Patroni unreachable \d+s, last answer \d+s ago; members from pod annotations/m.test(x), 30_000);
      expect(s).toMatch(/^acid-small-0\s.*\spod$/m);
    } finally {
      for (const pid of patronis) process.kill(pid, 'SIGCONT');
    }
    await waitForScreen('stale', 'fresh members again', (x) => /members: Patroni REST via/.test(x) && /^acid-small-0\s.*\sapi$/m.test(x), 60_000);
    tmux('send-keys', '-t', 'stale', 'q');
  }, 120_000);

  it('honours NO_COLOR: no colour or inverse codes, a ">" marks the cursor row', async () => {
    startConsole('plain', kubeconfig, { NO_COLOR: '1' });
    await waitForScreen('plain', 'the clusters', (x) => /^>acid-demo\s/m.test(x));
    expect(styles(screen('plain', true))).toEqual({ colour: false, inverse: false });
    tmux('send-keys', '-t', 'plain', 'Enter');
    await waitForScreen('plain', 'the members', (x) => /^>acid-demo-0\s/m.test(x));
    expect(styles(screen('plain', true))).toEqual({ colour: false, inverse: false });
    tmux('send-keys', '-t', 'plain', 'q');
    await waitForScreen('plain', 'the shell after the console', (x) => x.includes('shell-after 0'));
  }, 60_000);
});
