// Child processes as the benches watch them: a line they print, and their memory from /proc.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

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
