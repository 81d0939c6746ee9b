// Day-2 keys of the built console in a real terminal (tmux, 80x24) against
// `zpg demo` (real Patroni + PostgreSQL members, reached through port-forward
// and pods/exec): a switchover from S (pick, confirm) ends with the new leader
// on screen; p hands the terminal to psql in the member and takes it back; c
// hands it to patronictl (list, then its prompt) and takes it back.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasTmux, tmuxServer } from '../helpers/tmux.ts';
import { exited, spawnZpg, waitForOutput } from '../helpers/zpg.ts';

const SOCKET = `zpg-e2e-tasks-${process.pid}`;
const { tmux, waitForScreen, startZpg } = tmuxServer(SOCKET);
const LEADER_ROW = /^(acid-demo-\d)\s+leader\s+running\s+1\/1\s+Running\s+\d+\s+-\s+api$/m;
const keys = (session: string, ...k: string[]) => tmux('send-keys', '-t', session, ...k);
/** literal text, as typed */
const type = (session: string, text: string) => tmux('send-keys', '-t', session, '-l', text);

describe.skipIf(!hasTmux)(`console day-2 keys in tmux against zpg demo${hasTmux ? '' : ' (skipped: tmux is not installed)'}`, () => {
  let dir: string;
  let kubeconfig: string;
  let demo: ChildProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync('/var/tmp/zpg-e2e-tasks-');
    chmodSync(dir, 0o755); // members run as postgres when tests run as root
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

  it('S, pick, y: the switchover runs and the new leader is on screen', async () => {
    startZpg('sw', ['--kubeconfig', kubeconfig]);
    await waitForScreen('sw', 'the clusters', (x) => /^acid-demo\s/m.test(x), 30_000);
    keys('sw', 'Enter');
    let s = await waitForScreen('sw', "acid-demo's members with a leader, every replica streaming", (x) => LEADER_ROW.test(x) && (x.match(/^acid-demo-\d\s+replica\s+(running|streaming)\s/gm) ?? []).length === 2, 60_000);
    const leader = s.match(LEADER_ROW)![1];
    keys('sw', 'S');
    s = await waitForScreen('sw', 'the candidate picker', (x) => x.includes('pick the new leader'));
    const lines = s.split('\n');
    const title = lines.findIndex((l) => l.includes('switchover default/acid-demo: pick the new leader'));
    expect(lines[title]).toContain(`(leader now: ${leader})`);
    const candidate = /^(acid-demo-\d)\s/.exec(lines[title + 1] ?? '')?.[1];
    expect(candidate, `first candidate under\n${s}`).toBeDefined();
    expect(candidate).not.toBe(leader);
    keys('sw', 'Enter');
    await waitForScreen('sw', 'the confirmation naming both', (x) => x.includes(`switch over default/acid-demo from ${leader} to default/${candidate}`));
    const t0 = Date.now();
    keys('sw', 'y');
    s = await waitForScreen('sw', `${candidate} leading`, (x) => x.match(LEADER_ROW)?.[1] === candidate, 90_000);
    console.log(`e2e: switchover ${leader} → ${candidate}: new leader on screen after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(s.match(/^acid-demo-\d\s+leader\s/gm)).toHaveLength(1);
    // the task's steps end done, naming the new leader
    await waitForScreen('sw', 'the task done', (x) => /task: switchover/.test(x) && !/task: switchover[^\n]*· running/.test(x) && x.includes(candidate!), 90_000);
    keys('sw', 'q');
    await waitForScreen('sw', 'the shell after the console', (x) => x.includes('shell-after 0'));
  }, 240_000);

  it('p gives the terminal to psql in the member and takes it back; the console carries on', async () => {
    startZpg('psql', ['--kubeconfig', kubeconfig]);
    await waitForScreen('psql', 'the clusters', (x) => /^acid-demo\s/m.test(x), 30_000);
    keys('psql', 'Enter');
    await waitForScreen('psql', "acid-demo's members", (x) => LEADER_ROW.test(x), 60_000);
    keys('psql', 'p');
    await waitForScreen('psql', 'the psql prompt', (x) => /^postgres=# *$/m.test(x), 30_000);
    // \g ends the query: a ';' at the end of a send-keys argument is tmux's command separator
    type('psql', "select 'hand' || 'over-' || 6*7 as answer \\g");
    keys('psql', 'Enter');
    let s = await waitForScreen('psql', "psql's answer", (x) => /^ handover-42$/m.test(x), 30_000);
    expect(s).not.toContain('zpg · '); // psql has the whole terminal
    type('psql', '\\q');
    keys('psql', 'Enter');
    s = await waitForScreen('psql', 'the console again, with the exit code', (x) => x.includes('psql in default/acid-demo-0 ended with exit code 0') && LEADER_ROW.test(x), 30_000);
    expect(s.split('\n')[0]).toContain('clusters › default/acid-demo');
    // the keys work again: the log view opens and closes
    keys('psql', 'Enter');
    await waitForScreen('psql', 'the log of acid-demo-0', (x) => /^log default\/acid-demo-0 · /m.test(x), 30_000);
    keys('psql', 'Escape');
    await waitForScreen('psql', 'the members again', (x) => LEADER_ROW.test(x));
    keys('psql', 'q');
    await waitForScreen('psql', 'the shell after the console', (x) => x.includes('shell-after 0'));
  }, 180_000);

  it('c gives the terminal to patronictl (list, then its prompt) and takes it back on an empty line', async () => {
    startZpg('ctl', ['--kubeconfig', kubeconfig]);
    await waitForScreen('ctl', 'the clusters', (x) => /^acid-demo\s/m.test(x), 30_000);
    keys('ctl', 'Enter');
    await waitForScreen('ctl', "acid-demo's members", (x) => LEADER_ROW.test(x), 60_000);
    keys('ctl', 'c');
    const s = await waitForScreen('ctl', "patronictl list and its prompt", (x) => /Cluster: acid-demo/.test(x) && /^patronictl> *$/m.test(x), 30_000);
    expect(s.match(/\| acid-demo-\d /g)).toHaveLength(3);
    type('ctl', 'history');
    keys('ctl', 'Enter');
    await waitForScreen('ctl', 'patronictl history and the prompt again', (x) => /\|\s+TL\s+\|\s+LSN/.test(x) && (x.match(/^patronictl> *$/gm) ?? []).length >= 1, 30_000);
    keys('ctl', 'Enter'); // an empty line returns
    await waitForScreen('ctl', 'the console again', (x) => x.includes('patronictl in default/acid-demo-0 ended with exit code 0') && LEADER_ROW.test(x), 30_000);
    keys('ctl', 'q');
    await waitForScreen('ctl', 'the shell after the console', (x) => x.includes('shell-after 0'));
  }, 180_000);
});
