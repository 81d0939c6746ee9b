// Runs the built zpg binary as a user would, with the Node that npm scripts use.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ZPG = join(REPO, 'bin', 'zpg.mjs');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Asynchronous on purpose: tests often serve the sandbox API from this very process. */
export function zpg(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [ZPG, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A guard against a hang, not a wait: under a whole suite on 2 busy cores one start has taken over 20 s.
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 50_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function spawnZpg(args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [ZPG, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first match of `re` in the child's stdout, or rejects with what it printed. */
export function waitForOutput(child: ChildProcess, re: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${timeoutMs} ms; stdout: ${out} stderr: ${err}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(re);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${re}; stdout: ${out} stderr: ${err}`));
    });
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));
}
