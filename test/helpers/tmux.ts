// tmux as a test terminal: sessions of a given size on a private server,
// keys in with send-keys, the screen back with capture-pane; and the e2e
// harness that runs the console in it against one `zpg demo` per test file.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { eventually } from './sandbox.ts';
import { exited, spawnZpg, waitForOutput, ZPG } from './zpg.ts';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

export function tmuxServer(socket: string) {
  // A user's terminal, not CI: with CI set, colour detection turns colours (and inverse) off.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'CI'));
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  /** the pane as text (`-e`: with its escape sequences) */
  const screen = (session: string, escapes = false) => tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session);
  const waitForScreen = (session: string, what: string, test: (s: string) => unknown, timeoutMs = 20_000): Promise<string> =>
    eventually(`${what} on screen`, () => {
      const s = screen(session);
      return test(s) ? s : undefined;
    }, timeoutMs, 250).then(
      (s) => s!,
      (e: Error) => {
        throw new Error(`${e.message}\n--- the screen shows:\n${screen(session)}`);
      },
    );
  /** runs `zpg ARGS` in its own 80x24 session, inside a shell that prints a line before and after it */
  const startZpg = (session: string, args: string[], env: Record<string, string> = {}): void => {
    const vars = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const quoted = args.map((a) => `'${a}'`).join(' ');
    const cmd = `echo shell-before; '${process.execPath}' '${ZPG}' ${quoted}; echo "shell-after $?"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', ...vars, 'sh', '-c', cmd);
  };
  /** keys as tmux names them (Enter, Escape, q) */
  const keys = (session: string, ...k: string[]) => tmux('send-keys', '-t', session, ...k);
  /** literal text, as typed (a ';' at the end of it would be tmux's command separator without -l) */
  const type = (session: string, text: string) => tmux('send-keys', '-t', session, '-l', text);
  /** q, then the shell's line after zpg: it exited with 0 */
  const quit = (session: string, timeoutMs?: number) => {
    keys(session, 'q');
    return waitForScreen(session, 'the shell after the console', (x) => x.includes('shell-after 0'), timeoutMs);
  };
  const kill = () => spawnSync('tmux', ['-L', socket, 'kill-server']);
  return { tmux, screen, waitForScreen, startZpg, keys, type, quit, kill };
}

/** the leader's row in acid-demo's members table, its name captured: Patroni says running, the pod is ready */
export const DEMO_LEADER_ROW = /^(acid-demo-\d)\s+leader\s+running\s+1\/1\s+Running\s+\d+\s+-\s+api$/m;

/**
 * For an e2e file: `zpg demo --headless` (real Patroni + PostgreSQL members) started before its tests and stopped
 * after them, with a tmux server of the file's own. Call it inside the file's describe, so that skipping the
 * describe (no tmux) skips the demo too. `demo.dir` and `demo.kubeconfig` are set once the demo is ready.
 */
export function tmuxAgainstDemo(name: string) {
  const term = tmuxServer(`zpg-e2e-${name}-${process.pid}`);
  const demo = { dir: '', kubeconfig: '' };
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    demo.dir = mkdtempSync(`/var/tmp/zpg-e2e-${name}-`);
    chmodSync(demo.dir, 0o755); // members run as postgres when tests run as root: the directory must be reachable
    demo.kubeconfig = join(demo.dir, 'kubeconfig');
    child = spawnZpg(['demo', '--headless', '--kubeconfig', demo.kubeconfig, '--data-dir', demo.dir]);
    await waitForOutput(child, /^zpg demo: ready/m, 150_000);
  }, 180_000);
  afterAll(async () => {
    term.kill();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    if (demo.dir) rmSync(demo.dir, { recursive: true, force: true });
  }, 60_000);
  /** the console (`zpg --kubeconfig DEMO`) in its own 80x24 session */
  const startConsole = (session: string, env: Record<string, string> = {}) => term.startZpg(session, ['--kubeconfig', demo.kubeconfig], env);
  return { ...term, demo, startConsole };
}

/** Processes running for a member: the runuser wrapper, Patroni and the postmaster all name its data directory. */
export function memberProcesses(volume: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(`${volume}/`);
      } catch {
        return false;
      }
    })
    .map(Number);
}
