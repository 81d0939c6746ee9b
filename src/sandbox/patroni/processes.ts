// Linux process plumbing for sandbox members, read straight from /proc so it
// works synchronously too (the process-exit safety net cannot await).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
}

/** /proc/<pid>/stat, or undefined when the process is gone. Zombies count as gone: they hold nothing. */
export function procInfo(pid: number): ProcInfo | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may contain spaces: parse after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const info = { pid, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]) };
  return info.state === 'Z' || info.state === 'X' ? undefined : info;
}

export function alive(pid: number): boolean {
  return procInfo(pid) !== undefined;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function pids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
}

export function childrenOf(pid: number): number[] {
  return pids().filter((p) => procInfo(p)?.ppid === pid);
}

export function groupMembers(pgrp: number): number[] {
  return pids().filter((p) => procInfo(p)?.pgrp === pgrp);
}

/**
 * Live processes started for a data directory: the postmaster (`postgres -D <dir>`),
 * pg_basebackup, initdb. Backends retitle themselves, but they sit in the
 * postmaster's process group, so killing that group gets them too.
 */
export function processesUsing(dataDir: string): ProcInfo[] {
  const self = process.pid;
  const needle = new RegExp(`(^|[ =])${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/?( |$)`);
  const found: ProcInfo[] = [];
  for (const p of pids()) {
    if (p === self) continue;
    if (!needle.test(cmdline(p))) continue;
    const info = procInfo(p);
    if (info) found.push(info);
  }
  return found;
}

/** The postmaster's PID from postmaster.pid, if that process is alive and serves this data dir. */
export function postmasterOf(dataDir: string): ProcInfo | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const info = procInfo(pid);
  // A stale pid file can name an unrelated process that reused the PID.
  return info && cmdline(pid).includes(dataDir) ? info : undefined;
}

const ownGroup = procInfo(process.pid)?.pgrp;

/** Signals a process group, ignoring ones already gone; never init's group or our own. */
export function signalGroup(pgrp: number, signal: NodeJS.Signals): void {
  if (pgrp <= 1 || pgrp === ownGroup) return;
  try {
    process.kill(-pgrp, signal);
  } catch {
    // ESRCH: already gone; EPERM cannot happen for our own children
  }
}

export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Every process that belongs to a data directory, postmaster first, by process group. */
export function killDataDirSync(dataDir: string, signal: NodeJS.Signals): void {
  const pm = postmasterOf(dataDir);
  if (pm) signalGroup(pm.pgrp, signal);
  for (const p of processesUsing(dataDir)) signalGroup(p.pgrp, signal);
}

export async function waitUntil(cond: () => boolean, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return true;
}

/** Live processes whose command line names a path under dir (a member's patroni.yml, its postmaster's -D). */
export function processesUnder(dir: string): ProcInfo[] {
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  const found: ProcInfo[] = [];
  for (const p of pids()) {
    if (p === process.pid || !cmdline(p).includes(prefix)) continue;
    const info = procInfo(p);
    if (info) found.push(info);
  }
  return found;
}
