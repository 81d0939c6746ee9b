// One real Patroni member (Patroni + PostgreSQL) on a loopback address, using
// the sandbox API as its DCS. The sandbox kubelet runs one per pod; tests run
// them directly. Whatever happens, nothing may outlive stop() or this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { renderPatroniConfig, type PatroniConfigOptions } from './config.ts';
import { PATRONI_BIN, postgresUser, preflight, runningAsRoot } from './preflight.ts';
import { alive, childrenOf, groupMembers, killDataDirSync, postmasterOf, processesUsing, signalGroup, signalPid, waitUntil } from './processes.ts';

export { renderPatroniConfig, patroniConfig, DEFAULT_DCS, type DcsTimings, type PatroniConfigOptions } from './config.ts';
export { preflight, SETUP_HINT, type PreflightResult } from './preflight.ts';

export interface StartMemberOptions extends Omit<PatroniConfigOptions, 'dataDir' | 'socketDir' | 'pgpass'> {
  /** the member's own directory: data, sockets, config, log. Kept across restarts, so a member can rejoin. */
  dir: string;
  /** kubeconfig for the sandbox API; copied into dir, because the postgres user cannot read the caller's */
  kubeconfig: string;
  patroniBin?: string;
  /** extra environment, e.g. PATRONI_LOG_LEVEL=DEBUG */
  env?: Record<string, string>;
}

export interface StopOptions {
  /** SIGTERM (default) is Patroni's clean shutdown; it stops its postmaster first */
  signal?: NodeJS.Signals;
  /** how long Patroni gets before its process group is killed */
  timeoutMs?: number;
}

export interface RestInit extends RequestInit {
  timeoutMs?: number;
}

export interface Member {
  readonly name: string;
  readonly scope: string;
  readonly ip: string;
  readonly restPort: number;
  readonly dir: string;
  readonly dataDir: string;
  /** PostgreSQL's unix socket directory (each member has its own: they all listen on 5432) */
  readonly socketDir: string;
  /** patroni.yml, as Patroni reads it */
  readonly configFile: string;
  readonly logFile: string;
  /** Patroni is still running (as far as its process goes) */
  readonly running: boolean;
  /** fetch to http://<ip>:<restPort>/<path>, aborted after timeoutMs (default 5 s) */
  rest(path: string, init?: RestInit): Promise<Response>;
  /** the last lines of Patroni's and PostgreSQL's combined output */
  logTail(lines?: number): string;
  stop(opts?: StopOptions): Promise<void>;
  /** a crash: SIGKILL to Patroni and the postmaster at once */
  kill(): Promise<void>;
}

const live = new Set<PatroniMember>();

export async function startMember(opts: StartMemberOptions): Promise<Member> {
  const check = preflight({ patroniBin: opts.patroniBin, pgBinDir: opts.pgBinDir });
  if (!check.ok) throw new Error(check.message);
  const dir = resolve(opts.dir);
  const paths = {
    dataDir: join(dir, 'data'),
    socketDir: join(dir, 'run'),
    pgpass: join(dir, 'pgpass'),
    config: join(dir, 'patroni.yml'),
    kubeconfig: join(dir, 'kubeconfig'),
    log: join(dir, 'patroni.log'),
  };
  // sun_path holds 107 bytes: beyond that Postgres cannot create its socket, and says so only in its log.
  if (Buffer.byteLength(join(paths.socketDir, '.s.PGSQL.5432')) > 107) throw new Error(`member directory ${dir} is too deep for a unix socket path`);
  const asRoot = runningAsRoot();
  const owner = asRoot ? postgresUser() : undefined;
  mkdirSync(dirname(dir), { recursive: true, mode: 0o755 }); // parents must stay searchable for postgres
  for (const d of [dir, paths.dataDir, paths.socketDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  // Holds passwords: readable by the member's user only.
  writeFileSync(paths.config, renderPatroniConfig({ ...opts, dataDir: paths.dataDir, socketDir: paths.socketDir, pgpass: paths.pgpass }), { mode: 0o600 });
  copyFileSync(opts.kubeconfig, paths.kubeconfig);
  chmodSync(paths.kubeconfig, 0o600);
  chmodSync(paths.dataDir, 0o700); // initdb and postgres refuse group or world access
  if (owner) {
    assertReachable(dirname(dir), owner.uid);
    for (const p of [dir, paths.dataDir, paths.socketDir, paths.config, paths.kubeconfig]) chownSync(p, owner.uid, owner.gid);
  }

  const bin = opts.patroniBin ?? PATRONI_BIN;
  const [cmd, args] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, paths.config]] : [bin, [paths.config]];
  const log = openSync(paths.log, 'a');
  let child: ChildProcess;
  try {
    // detached: a process group of its own (setsid), so stop() and the safety net can kill all of it.
    child = spawn(cmd, args, { cwd: dir, env: memberEnv(paths.kubeconfig, opts.env), detached: true, stdio: ['ignore', log, log] });
    await new Promise<void>((ok, fail) => {
      child.once('spawn', ok);
      child.once('error', fail);
    });
  } finally {
    closeSync(log);
  }
  child.unref(); // a forgotten member must not keep the process alive: the exit hook kills it
  const m = new PatroniMember(opts, dir, paths, child, asRoot);
  live.add(m);
  installSafetyNet();
  return m;
}

/** Our environment minus what would point Patroni or libpq elsewhere. */
function memberEnv(kubeconfig: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // KUBERNETES_SERVICE_*: in-cluster config; PATRONI_*: overrides patroni.yml; PG*: libpq
    // defaults; PYTHON*: a pyenv's paths break Debian's /usr/bin/python3.
    if (/^(KUBERNETES_SERVICE_|PATRONI_|PG|PYTHONPATH$|PYTHONHOME$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra, KUBECONFIG: kubeconfig };
}

/** The postgres user must be able to reach dir: a 0700 temp dir owned by root is the usual trap. */
export function assertReachable(dir: string, uid: number): void {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    if (st.uid !== uid && (st.mode & 0o001) === 0) {
      throw new Error(`${d} is not searchable by the postgres user (mode ${(st.mode & 0o777).toString(8)}); put members under a directory with mode 0755`);
    }
    if (d === dirname(d)) return;
  }
}

class PatroniMember implements Member {
  readonly name: string;
  readonly scope: string;
  readonly ip: string;
  readonly restPort: number;
  readonly dir: string;
  readonly dataDir: string;
  readonly socketDir: string;
  readonly configFile: string;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly pgid: number;
  /** as root the spawned process is runuser, and Patroni is its child */
  private readonly wrapped: boolean;
  private exited = false;
  private readonly exit: Promise<void>;

  constructor(opts: StartMemberOptions, dir: string, paths: { dataDir: string; socketDir: string; config: string; log: string }, child: ChildProcess, wrapped: boolean) {
    this.name = opts.name;
    this.scope = opts.scope;
    this.ip = opts.ip;
    this.restPort = opts.restPort ?? 8008;
    this.dir = dir;
    this.dataDir = paths.dataDir;
    this.socketDir = paths.socketDir;
    this.configFile = paths.config;
    this.logFile = paths.log;
    this.child = child;
    this.pgid = child.pid!;
    this.wrapped = wrapped;
    this.exit = new Promise((ok) =>
      child.once('exit', () => {
        this.exited = true;
        ok();
      }),
    );
  }

  get running(): boolean {
    return !this.exited;
  }

  rest(path: string, init: RestInit = {}): Promise<Response> {
    const { timeoutMs = 5_000, ...rest } = init;
    const url = `http://${this.ip}:${this.restPort}/${path.replace(/^\//, '')}`;
    return fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (e) {
      return `(no log: ${e instanceof Error ? e.message : String(e)})`;
    }
  }

  async stop(opts: StopOptions = {}): Promise<void> {
    const { signal = 'SIGTERM', timeoutMs = 20_000 } = opts;
    if (!this.exited) {
      // Signal Patroni itself: runuser, like su, answers SIGTERM by SIGKILLing its child 2 s later.
      const patroni = await this.patroniPid();
      if (patroni) signalPid(patroni, signal);
      else signalGroup(this.pgid, signal);
      if (!(await this.waitExit(timeoutMs))) {
        signalGroup(this.pgid, 'SIGKILL');
        await this.waitExit(5_000);
      }
    }
    this.killLeftoversInGroup();
    // Patroni stops its postmaster on SIGTERM, but not always (a killed Patroni, a sync
    // standby waiting to be released): a fast shutdown, then SIGKILL to its group.
    await this.stopPostgres(signal === 'SIGKILL' ? 0 : 10_000);
    live.delete(this);
  }

  async kill(): Promise<void> {
    if (!this.exited) signalGroup(this.pgid, 'SIGKILL');
    killDataDirSync(this.dataDir, 'SIGKILL');
    await this.waitExit(5_000);
    await this.stopPostgres(0);
    live.delete(this);
  }

  /** Synchronous last resort, for the process-exit hook. */
  killSync(): void {
    if (!this.exited) signalGroup(this.pgid, 'SIGKILL');
    killDataDirSync(this.dataDir, 'SIGKILL');
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.exited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const done = await Promise.race([this.exit.then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  private async patroniPid(): Promise<number | undefined> {
    if (!this.wrapped) return this.child.pid;
    let pid: number | undefined;
    // Right after spawn runuser may not have forked yet.
    await waitUntil(() => (pid = childrenOf(this.pgid)[0]) !== undefined || this.exited, 1_000);
    return pid;
  }

  /** pg_basebackup or initdb orphaned by a killed Patroni stay in its process group. */
  private killLeftoversInGroup(): void {
    if (groupMembers(this.pgid).length > 0) signalGroup(this.pgid, 'SIGKILL');
  }

  private async stopPostgres(graceMs: number): Promise<void> {
    const pm = postmasterOf(this.dataDir);
    if (pm && graceMs > 0) {
      signalPid(pm.pid, 'SIGINT'); // fast shutdown
      await waitUntil(() => !alive(pm.pid), graceMs);
    }
    // Sweep until the data dir is quiet twice in a row: a launcher caught mid-start can
    // still fork a postmaster just after the first sweep.
    let quiet = 0;
    const deadline = Date.now() + 10_000;
    while (quiet < 2 && Date.now() < deadline) {
      const busy = postmasterOf(this.dataDir) !== undefined || processesUsing(this.dataDir).length > 0;
      if (busy) killDataDirSync(this.dataDir, 'SIGKILL');
      quiet = busy ? 0 : quiet + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

let netInstalled = false;

/** Kills every started member's process group and postmaster when this process goes away. */
function installSafetyNet(): void {
  if (netInstalled) return;
  netInstalled = true;
  const killAll = () => {
    for (const m of live) m.killSync();
    live.clear();
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      // Someone else handles this signal: they stop members, or exit and trip the 'exit' hook.
      if (process.listenerCount(sig) > 1) return;
      // Alone, we replaced the default action (terminate): clean up, restore it and re-raise.
      killAll();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** Members not yet stopped, for harnesses that want to stop everything. */
export function liveMembers(): readonly Member[] {
  return [...live];
}
