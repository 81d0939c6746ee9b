// The real console (mountConsole: the same Ink options as `zpg`) rendered into
// a headless xterm at a given size: keys go in as a terminal would send them,
// whole frames come out as the user would see them, escape sequences applied.
// Frame-string tests cannot see cursor and erase bugs; this can.
import { Terminal } from '@xterm/headless';
// Ink's colour library, to give the screen the colours a terminal would get (vitest's stdout is a pipe).
import chalk from 'chalk';
import { EventEmitter } from 'node:events';
import type { Instance } from 'ink';
import { createZpgStore, type ZpgStore } from '../../src/store/store.ts';
import type { ConsoleActions } from '../../src/ui/app.tsx';
import type { Look } from '../../src/ui/look.ts';
import { mountConsole } from '../../src/ui/run.tsx';

class ScreenStdout extends EventEmitter {
  readonly isTTY = true;
  columns: number;
  rows: number;
  /** every byte Ink wrote, for flicker and bandwidth checks */
  written = '';
  private readonly term: Terminal;
  private pending: Promise<void> = Promise.resolve();

  constructor(term: Terminal) {
    super();
    this.term = term;
    this.columns = term.cols;
    this.rows = term.rows;
  }

  write(data: string | Uint8Array, enc?: unknown, cb?: unknown): boolean {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    this.written += text;
    this.pending = new Promise((r) => this.term.write(text, () => r()));
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }

  /** resolves once xterm has applied everything written so far */
  settled(): Promise<void> {
    return this.pending;
  }
}

class ScreenStdin extends EventEmitter {
  readonly isTTY = true;
  private queue: string[] = [];
  send(data: string): void {
    this.queue.push(data);
    this.emit('readable');
  }
  read(): string | null {
    return this.queue.shift() ?? null;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Names for the keys tests press; anything else is sent as it is. */
export const KEYS: Record<string, string> = {
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  up: '\x1b[A',
  down: '\x1b[B',
  pgup: '\x1b[5~',
  pgdn: '\x1b[6~',
  home: '\x1b[H',
  end: '\x1b[F',
  backspace: '\x7f',
};

export interface Screen {
  store: ZpgStore;
  term: Terminal;
  stdout: ScreenStdout;
  /** the visible screen, one string per row, trailing blanks trimmed */
  lines(): string[];
  text(): string;
  /** one key per read, as a person types; a lone ESC gets the 25 ms Ink 8 waits before it counts as ESC */
  press(...keys: string[]): Promise<void>;
  /** several keys in one read, as key repeat or SSH batching delivers them */
  type(chunk: string): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  waitFor(what: string | RegExp | ((text: string) => boolean), timeoutMs?: number): Promise<string>;
  /** waits until nothing has been written for `quietMs` */
  idle(quietMs?: number): Promise<void>;
  unmount(): Promise<void>;
}

export interface ScreenOptions {
  columns?: number;
  rows?: number;
  store?: ZpgStore;
  actions?: ConsoleActions;
  look?: Look;
}

export async function renderScreen(opts: ScreenOptions = {}): Promise<Screen> {
  // 16 colours as on a plain xterm; none for the plain look, as FORCE_COLOR=0 (from NO_COLOR) gives.
  chalk.level = opts.look?.plain ? 0 : 1;
  const term = new Terminal({ cols: opts.columns ?? 80, rows: opts.rows ?? 24, allowProposedApi: true, convertEol: true, scrollback: 0 });
  const stdout = new ScreenStdout(term);
  const stdin = new ScreenStdin();
  const store = opts.store ?? createZpgStore({ name: 'test', namespace: 'default', allNamespaces: false });
  const instance: Instance = mountConsole(store, opts.actions ?? { setNamespace: () => {} }, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stdout as unknown as NodeJS.WriteStream,
    look: opts.look ?? { plain: false },
    patchConsole: false,
  });
  const lines = () => {
    const buf = term.buffer.active;
    const out: string[] = [];
    // Styled blanks (inverse padding) count as written cells for xterm: trim them too.
    for (let i = 0; i < term.rows; i++) out.push((buf.getLine(buf.viewportY + i)?.translateToString(true) ?? '').trimEnd());
    return out;
  };
  const text = () => lines().join('\n');
  const waitFor = async (what: string | RegExp | ((t: string) => boolean), timeoutMs = 3000) => {
    const test = typeof what === 'function' ? what : typeof what === 'string' ? (t: string) => t.includes(what) : (t: string) => what.test(t);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await stdout.settled();
      const t = text();
      if (test(t)) return t;
      if (Date.now() > deadline) throw new Error(`screen never showed ${String(what)}; it shows:\n${t}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const screen: Screen = {
    store,
    term,
    stdout,
    lines,
    text,
    waitFor,
    async press(...keys) {
      for (const k of keys) {
        stdin.send(KEYS[k] ?? k);
        // Ink renders at most every 33 ms (maxFps 30): wait past one frame; a lone ESC also waits 20 ms to be sure it is alone.
        await new Promise((r) => setTimeout(r, k === 'esc' ? 60 : 40));
      }
      await stdout.settled();
    },
    async type(chunk) {
      stdin.send(chunk);
      await new Promise((r) => setTimeout(r, 60));
      await stdout.settled();
    },
    async resize(columns, rows) {
      term.resize(columns, rows);
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
      await new Promise((r) => setTimeout(r, 60));
      await stdout.settled();
    },
    async idle(quietMs = 100) {
      let last = -1;
      while (last !== stdout.written.length) {
        last = stdout.written.length;
        await new Promise((r) => setTimeout(r, quietMs));
      }
      await stdout.settled();
    },
    async unmount() {
      instance.unmount();
      await instance.waitUntilExit().catch(() => {});
      term.dispose();
    },
  };
  await waitFor((t) => t.trim().length > 0);
  return screen;
}
