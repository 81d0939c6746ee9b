// Child processes as the benches start and watch them: the sandbox API, the daemon's V8 flags, a line they print,
// and their memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ZPG = join(import.meta.dirname, '..', 'bin', 'zpg.mjs');

/** `zpg sandbox api` in a process of its own (`nodeFlags`: e.g. --cpu-prof), once it serves; its stderr is the bench's */
export async function startSandboxApi(kubeconfig: string, nodeFlags: string[] = []): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [...nodeFlags, ZPG, 'sandbox', 'api', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, base] = await firstMatch(child, /serving at (http:\/\/127\.0\.0\.1:\d+)/);
  return { child, base: base! };
}

/** the V8 flags the Dockerfile's ENTRYPOINT runs the daemon with; BENCH_DAEMON_FLAGS (space-separated) replaces them */
export function daemonFlags(): string[] {
  return (process.env.BENCH_DAEMON_FLAGS ?? '--max-semi-space-size=2 --max-old-space-size=160').split(' ').filter(Boolean);
}

/** a /proc/PID/status figure (VmRSS, VmHWM, ...) in MiB */
export function procMiB(pid: number, key: string): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${key}:\\s+(\\d+) kB`));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** the first match of `re` in the child's stdout; later output is drained, not kept */
export function firstMatch(child: ChildProcess, re: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-65_536);
      const m = out.match(re);
      if (m) {
        child.stdout!.off('data', onData);
        child.off('exit', onExit);
        child.stdout!.resume();
        resolve(m);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`exited with ${code}: ${out.slice(-2000)}`));
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}
