// Day-2 keys of the built console in a real terminal (tmux, 80x24) against
// `zpg demo` (real Patroni + PostgreSQL members, reached through port-forward
// and pods/exec): a switchover from S (pick, confirm) ends with the new leader
// on screen; p hands the terminal to psql in the member and takes it back; c
// hands it to patronictl (list, then its prompt) and takes it back.
import { describe, expect, it } from 'vitest';
import { DEMO_LEADER_ROW as LEADER_ROW, hasTmux, tmuxAgainstDemo } from '../helpers/tmux.ts';

describe.skipIf(!hasTmux)(`console day-2 keys in tmux against zpg demo${hasTmux ? '' : ' (skipped: tmux is not installed)'}`, () => {
  const { waitForScreen, startConsole, keys, type, quit } = tmuxAgainstDemo('tasks');
  /** the console in its own session, opened on acid-demo's members once `members` holds */
  const openAcidDemo = async (session: string, what = "acid-demo's members", members = (x: string) => LEADER_ROW.test(x)) => {
    startConsole(session);
    await waitForScreen(session, 'the clusters', (x) => /^acid-demo\s/m.test(x), 30_000);
    keys(session, 'Enter');
    return waitForScreen(session, what, members, 60_000);
  };

  it('S, pick, y: the switchover runs and the new leader is on screen', async () => {
    let s = await openAcidDemo('sw', "acid-demo's members with a leader, every replica streaming", (x) => LEADER_ROW.test(x) && (x.match(/^acid-demo-\d\s+replica\s+(running|streaming)\s/gm) ?? []).length === 2);
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
    await quit('sw');
  }, 240_000);

  it('p gives the terminal to psql in the member and takes it back; the console carries on', async () => {
    await openAcidDemo('psql');
    keys('psql', 'p');
    await waitForScreen('psql', 'the psql prompt', (x) => /^postgres=# *$/m.test(x), 30_000);
    // \g ends the query: a ';' at the end of a send-keys argument is tmux's command separator
    type('psql', "select 'hand' || 'over-' || 6*7 as answer \\g");
    keys('psql', 'Enter');
    let s = await waitForScreen('psql', "psql's answer", (x) => /^ handover-42$/m.test(x), 30_000);
    expect(s).not.toContain('zpg · '); // psql has the whole terminal
    expect(s.split('\n')[0]).toMatch(/^psql \(/); // from the top, not below what the shell showed before zpg
    type('psql', '\\q');
    keys('psql', 'Enter');
    s = await waitForScreen('psql', 'the console again, with the exit code', (x) => x.includes('psql in default/acid-demo-0 ended with exit code 0') && LEADER_ROW.test(x), 30_000);
    expect(s.split('\n')[0]).toContain('clusters › default/acid-demo');
    // the keys work again: the log view opens and closes
    keys('psql', 'Enter');
    await waitForScreen('psql', 'the log of acid-demo-0', (x) => /^log default\/acid-demo-0 · /m.test(x), 30_000);
    keys('psql', 'Escape');
    await waitForScreen('psql', 'the members again', (x) => LEADER_ROW.test(x));
    await quit('psql');
  }, 180_000);

  it('c gives the terminal to patronictl (list, then its prompt) and takes it back on an empty line', async () => {
    await openAcidDemo('ctl');
    keys('ctl', 'c');
    const s = await waitForScreen('ctl', "patronictl list and its prompt", (x) => /Cluster: acid-demo/.test(x) && /^patronictl> *$/m.test(x), 30_000);
    expect(s.match(/\| acid-demo-\d /g)).toHaveLength(3);
    type('ctl', 'history');
    keys('ctl', 'Enter');
    await waitForScreen('ctl', 'patronictl history and the prompt again', (x) => /\|\s+TL\s+\|\s+LSN/.test(x) && (x.match(/^patronictl> *$/gm) ?? []).length >= 1, 30_000);
    keys('ctl', 'Enter'); // an empty line returns
    await waitForScreen('ctl', 'the console again', (x) => x.includes('patronictl in default/acid-demo-0 ended with exit code 0') && LEADER_ROW.test(x), 30_000);
    await quit('ctl');
  }, 180_000);
});
