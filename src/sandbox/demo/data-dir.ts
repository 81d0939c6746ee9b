// The demo's directory: volumes, pod dirs, S3 objects, the kubeconfig and the
// operator log. One demo at a time per directory (a pid file says which); a
// demo that died without cleaning up (SIGKILL) leaves members behind, which
// the next one stops before it wipes the old data: the API keeps nothing
// across runs, so old volumes would only hold passwords nobody knows.
import { mkdirSync, openSync, readFileSync, rmSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { assertReachable } from '../patroni/member.ts';
import { postgresUser, runningAsRoot } from '../patroni/preflight.ts';
import { alive, processesUnder, signalGroup, signalPid, waitUntil } from '../patroni/processes.ts';

/** As root, members run as `postgres`, which cannot enter root's 0700 home. */
export function defaultDataDir(): string {
  return runningAsRoot() ? '/var/tmp/zpg-demo' : join(homedir(), '.zpg', 'demo');
}

export class DataDirError extends Error {}

export interface DataDir {
  dir: string;
  release(): void;
}

export async function claimDataDir(dir: string, opts: { members: boolean }): Promise<DataDir> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (opts.members && runningAsRoot()) {
    const pg = postgresUser();
    try {
      if (pg) assertReachable(dir, pg.uid);
    } catch (e) {
      throw new DataDirError(`${e instanceof Error ? e.message : String(e)}; or pass --data-dir with a directory the postgres user can reach, such as /var/tmp/zpg-demo`);
    }
  }
  const pidFile = join(dir, 'demo.pid');
  lock(pidFile, dir);
  await stopLeftovers(dir);
  for (const sub of ['volumes', 'pods', 's3']) rmSync(join(dir, sub), { recursive: true, force: true });
  return {
    dir,
    release: () => {
      try {
        if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) unlinkSync(pidFile);
      } catch {
        // already gone
      }
    },
  };
}

function lock(pidFile: string, dir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(pidFile, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) && isDemo(pid)) {
      throw new DataDirError(`another zpg demo (pid ${pid}) is using ${dir}: stop it, or pass --data-dir with another directory`);
    }
    rmSync(pidFile, { force: true }); // a demo that did not clean up
  }
  throw new DataDirError(`cannot take ${pidFile}`);
}

function isDemo(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('demo');
  } catch {
    return false;
  }
}

/** Members of a demo that was killed outright still run on its directory: stop them by their process groups. */
async function stopLeftovers(dir: string): Promise<void> {
  const left = processesUnder(dir);
  if (left.length === 0) return;
  for (const p of left) {
    signalGroup(p.pgrp, 'SIGKILL');
    signalPid(p.pid, 'SIGKILL');
  }
  await waitUntil(() => processesUnder(dir).length === 0, 5_000);
}
