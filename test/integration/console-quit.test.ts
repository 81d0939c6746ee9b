// `q` once hung the console after many `:ns` switches: an informer stopped
// while its first list was still in flight went on to open its watch after
// the list answered, and nobody aborted that watch, so the process lived on
// until the API server closed it (a minute or two). After stop, nothing may
// keep the process alive: the child must exit by itself, at once.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedApi } from '../../bench/console.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ controllers: false, minWatchTimeoutSeconds: 300 });
  await seedApi(t.api.url);
}, 60_000);
afterAll(async () => t?.close());

describe('the console quits after namespace switches', () => {
  it('leaves no watch open once the feeds are stopped, however the switches fell', async () => {
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'fixtures', 'ns-switch-quit.ts'), t.kubeconfig, '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      // the feed itself may take its time on a loaded machine; once stopped, the exit must follow at once
      const stopped = new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`the feed never stopped: ${out}${err}`)), 60_000);
        child.stdout.on('data', () => out.includes('stopped') && (clearTimeout(deadline), resolve()));
      });
      await stopped;
      const code = await Promise.race([exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
      if (code === 'hung') child.kill('SIGKILL');
      expect(code, `round ${round}: still running 15 s after the feeds stopped (an open watch?) ${err}`).toBe(0);
      expect(out).toMatch(/stopped with 5 pods/); // and the last namespace's pods counted once
    }
  }, 240_000);
});
