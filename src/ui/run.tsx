// Starts the console full-screen and gives the terminal back on every way out:
// q, Ctrl-C, SIGTERM and errors.
import { render } from 'ink';
import type { ZpgStore } from '../store/store.ts';
import { App, type ConsoleActions } from './app.tsx';

export async function runConsole(store: ZpgStore, actions: ConsoleActions): Promise<void> {
  const instance = render(<App store={store} actions={actions} />, {
    alternateScreen: true,
    incrementalRendering: true,
    exitOnCtrlC: true,
    patchConsole: true,
  });
  const stop = () => instance.unmount();
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  try {
    await instance.waitUntilExit();
  } finally {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', stop);
  }
}
