// Starts the console full-screen and gives the terminal back on every way out:
// q, Ctrl-C, SIGTERM and errors. The screen tests and the bench mount it with
// their own streams through mountConsole, so they exercise the same options.
import { render, type Instance, type RenderOptions } from 'ink';
import type { ZpgStore } from '../store/store.ts';
import { App, type ConsoleActions } from './app.tsx';
import chalk from 'chalk';
import { lookFromEnv, type Look } from './look.ts';

export interface ConsoleStreams {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  look?: Look;
  onRender?: RenderOptions['onRender'];
  /** Ink's console patch needs Node's console; test runners replace it */
  patchConsole?: boolean;
}

export function mountConsole(store: ZpgStore, actions: ConsoleActions, streams: ConsoleStreams = {}): Instance {
  const { look, patchConsole = true, ...io } = streams;
  return render(<App store={store} actions={actions} look={look ?? colourLook()} />, {
    ...io,
    alternateScreen: true,
    // Ink 8: only changed lines (and only their changed tails) are written; nothing at all when nothing changed.
    incrementalRendering: true,
    // A terminal is a terminal even under CI=true (our test runner sets it).
    interactive: true,
    exitOnCtrlC: true,
    patchConsole,
  });
}

export interface RunningConsole {
  /** resolves when the user quits (q, :q, Ctrl-C) or a signal ends it */
  done: Promise<void>;
  stop(): void;
}

/** Mounts at once: the caller starts its services while the first frame is already on screen. */
export function startConsole(store: ZpgStore, actions: ConsoleActions): RunningConsole {
  const instance = mountConsole(store, actions);
  const stop = () => instance.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  const done = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  void done.then(() => {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', stop);
  });
  return { done, stop };
}

/** Plain marks also where Ink's colour library decided it cannot colour (e.g. an unknown CI), or the cursor row would be invisible. */
function colourLook(): Look {
  return { plain: lookFromEnv().plain || chalk.level === 0 };
}
