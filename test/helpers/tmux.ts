// tmux as a test terminal: sessions of a given size on a private server,
// keys in with send-keys, the screen back with capture-pane.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { eventually } from './sandbox.ts';
import { ZPG } from './zpg.ts';

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
  const kill = () => spawnSync('tmux', ['-L', socket, 'kill-server']);
  return { tmux, screen, waitForScreen, startZpg, kill };
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
