// `zpg demo` on a terminal, as a newcomer runs it: the console opens on the
// sandbox, the sample clusters come up healthy under it, and quitting the
// console ends the demo cleanly, with no member process left behind.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/sandbox.ts';
import { hasTmux, memberProcesses, tmuxServer } from '../helpers/tmux.ts';

const { waitForScreen, startZpg, keys, kill } = tmuxServer(`zpg-demo-e2e-${process.pid}`);
// Members run as postgres when the tests run as root: the directory must be reachable for them.
const dir = mkdtempSync('/var/tmp/zpg-demo-console-');
chmodSync(dir, 0o755);

afterAll(() => {
  if (hasTmux) kill();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)(`zpg demo in a terminal${hasTmux ? '' : ' (skipped: tmux is not installed)'}`, () => {
  it('opens the console on the sandbox; both clusters turn Healthy; q ends the demo and its members', async () => {
    startZpg('demo', ['demo', '--data-dir', dir]);
    await waitForScreen('demo', 'the console with both clusters healthy', (x) => /^default\s+acid-demo\s.*Healthy/m.test(x) && /^default\s+acid-small\s.*Healthy/m.test(x), 150_000);
    keys('demo', 'q');
    const s = await waitForScreen('demo', 'the demo stopped', (x) => x.includes('shell-after'), 60_000);
    expect(s).toMatch(/zpg demo: stopped/);
    expect(s).toMatch(/shell-after 0/);
    await eventually('no member process left', () => memberProcesses(join(dir, 'volumes')).length === 0, 10_000, 250);
  }, 240_000);
});
