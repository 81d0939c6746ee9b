// A connection-pooler pod in the sandbox: Debian's PgBouncer configured from
// the pod's env the way Zalando's pooler image renders pgbouncer.ini, listening
// on the pod's own loopback address. Differences, because the sandbox has
// neither TLS nor DNS for c-ares: no TLS on either side, and PGHOST is
// resolved here to the Service's ready endpoint, re-rendered and reloaded
// (SIGHUP) when that endpoint moves (a switchover).
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject } from '../api/types.ts';
import { postgresUser } from '../patroni/preflight.ts';
import { isReady, now, runningStatus, type PodWriter } from './pod-status.ts';
import { resolveEnv } from './spilo-env.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';
const POOLER_CONTAINER = 'connection-pooler';

interface Running {
  uid: string;
  ip: string;
  child?: ChildProcess;
  dir: string;
  env: Record<string, string>;
  host?: string;
  restarts: number;
  /** PgBouncer's last stderr line: why it exited, for the container status */
  lastError?: string;
  restartTimer?: NodeJS.Timeout;
  stopped?: boolean;
}

/** Kubernetes' crash back-off, shortened: 2 s, doubling, at most 30 s (a pooler has no data to wait for). */
const backoffMs = (restarts: number) => Math.min(2_000 * 2 ** restarts, 30_000);

export function poolerContainer(pod: KubeObject): Obj | undefined {
  return ((rec(pod.spec).containers as Obj[] | undefined) ?? []).find((c) => c.name === POOLER_CONTAINER);
}

export class PoolerPods {
  private readonly running = new Map<string, Running>();
  /** pooler pods that could not start yet */
  private readonly pending = new Set<string>();
  private readonly registry: Registry;
  private readonly root: string;
  private readonly write: PodWriter;
  private readonly ips: { take(): string; give(ip: string): void };
  private readonly unsubscribe: (() => void)[];

  constructor(registry: Registry, root: string, write: PodWriter, ips: { take(): string; give(ip: string): void }) {
    this.registry = registry;
    this.root = root;
    this.write = write;
    this.ips = ips;
    const endpoints = registry.catalog.get('v1', 'endpoints')!;
    const secrets = registry.catalog.get('v1', 'secrets')!;
    // A pod waiting for its `-u` Secret starts when that Secret is written (the SQL sync writes it last).
    this.unsubscribe = [registry.store.subscribe(storageKey(endpoints), () => this.follow()), registry.store.subscribe(storageKey(secrets), () => this.retryPending())];
  }

  /** Starts PgBouncer for a pooler pod; false when the pod is not one. */
  ensure(pod: KubeObject, retry = false): boolean {
    const container = poolerContainer(pod);
    if (!container) return false;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const had = this.running.get(key);
    if (had?.uid === pod.metadata.uid) return true;
    // A pod waiting for its Secret is retried on Endpoints changes only: its own status writes must not loop.
    if (this.pending.has(key) && !retry) return true;
    const ip = this.ips.take();
    const dir = join(this.root, 'poolers', pod.metadata.namespace!, pod.metadata.name!);
    const r: Running = { uid: pod.metadata.uid!, ip, dir, env: {}, restarts: 0 };
    this.running.set(key, r);
    this.write.bind(pod);
    try {
      r.env = resolveEnv(this.registry, pod, container, ip);
      this.userlist(pod); // throws until the Secret exists
      this.write.status(pod, { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1', startTime: now(), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }] });
      this.start(pod, r);
      this.pending.delete(key);
    } catch (e) {
      // e.g. the userlist Secret, written once the leader is up: tried again on the next Endpoints change
      this.running.delete(key);
      this.ips.give(ip);
      this.pending.add(key);
      // Written when the reason changes only: the pod's own status writes must not loop through here.
      const message = e instanceof Error ? e.message : String(e);
      const fresh = this.registry.find(this.registry.catalog.get('v1', 'pods')!, pod.metadata.namespace, pod.metadata.name!);
      const said = ((rec(fresh?.status).conditions as Obj[] | undefined) ?? []).find((c) => c.type === 'Ready')?.message;
      if (said !== message) this.write.status(pod, { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletError', message }] });
    }
    return true;
  }

  private userlist(pod: KubeObject): string {
    const secrets = this.registry.catalog.get('v1', 'secrets')!;
    const vol = ((rec(pod.spec).volumes as Obj[] | undefined) ?? []).find((v) => rec(v.secret).secretName);
    const data = rec(this.registry.find(secrets, pod.metadata.namespace, rec(vol?.secret).secretName as string)?.data);
    if (typeof data['userlist.txt'] !== 'string') throw new Error('secret with userlist.txt not found yet');
    return Buffer.from(data['userlist.txt'], 'base64').toString('utf8');
  }

  /** The ready address of the Service PGHOST names (the master Service's is the leader's). */
  private hostFor(namespace: string, service: string): string | undefined {
    const ep = this.registry.find(this.registry.catalog.get('v1', 'endpoints')!, namespace, service);
    for (const s of (rec(ep).subsets as Obj[] | undefined) ?? []) for (const a of (s.addresses as Obj[] | undefined) ?? []) if (typeof a.ip === 'string') return a.ip;
    return undefined;
  }

  private render(r: Running, namespace: string): string {
    const e = r.env;
    r.host = this.hostFor(namespace, e.PGHOST ?? '') ?? '127.0.0.1';
    const db = `host=${r.host} port=${e.PGPORT} auth_user=${e.PGUSER}`;
    return [
      '[databases]',
      `* = ${db}`,
      `postgres = ${db}`,
      '[pgbouncer]',
      `pool_mode = ${e.CONNECTION_POOLER_MODE}`,
      `listen_port = ${e.CONNECTION_POOLER_PORT}`,
      `listen_addr = ${r.ip}`,
      `unix_socket_dir = ${r.dir}`,
      `admin_users = ${e.PGUSER}`,
      // No auth_dbname (1.19+) nor max_prepared_statements (1.21+): Debian 12's PgBouncer 1.18 refuses to start on
      // a parameter it does not know. auth_query then runs in the client's database, hence the lookup function in each.
      `auth_file = ${join(r.dir, 'userlist.txt')}`,
      `auth_query = SELECT * FROM ${e.PGSCHEMA}.user_lookup($1)`,
      'auth_type = md5',
      `logfile = ${join(r.dir, 'pgbouncer.log')}`,
      `pidfile = ${join(r.dir, 'pgbouncer.pid')}`,
      'log_connections = 0',
      'log_disconnections = 0',
      `default_pool_size = ${e.CONNECTION_POOLER_DEFAULT_SIZE}`,
      `reserve_pool_size = ${e.CONNECTION_POOLER_RESERVE_SIZE}`,
      `max_client_conn = ${e.CONNECTION_POOLER_MAX_CLIENT_CONN}`,
      `max_db_connections = ${e.CONNECTION_POOLER_MAX_DB_CONN}`,
      'idle_transaction_timeout = 600',
      'server_login_retry = 5',
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n');
  }

  private writeFiles(pod: KubeObject, r: Running): string {
    mkdirSync(dirname(r.dir), { recursive: true, mode: 0o755 }); // parents stay searchable for PgBouncer's user
    mkdirSync(r.dir, { recursive: true, mode: 0o700 });
    const ini = join(r.dir, 'pgbouncer.ini');
    writeFileSync(ini, this.render(r, pod.metadata.namespace!), { mode: 0o600 });
    writeFileSync(join(r.dir, 'userlist.txt'), this.userlist(pod), { mode: 0o600 });
    const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
    if (owner) for (const p of [r.dir, ini, join(r.dir, 'userlist.txt')]) chownSync(p, owner.uid, owner.gid);
    return ini;
  }

  private start(pod: KubeObject, r: Running): void {
    const ini = this.writeFiles(pod, r);
    // PgBouncer refuses to run as root.
    const [cmd, args] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', PGBOUNCER_BIN, ini]] : [PGBOUNCER_BIN, [ini]];
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    r.child = child;
    let tail = '';
    child.stderr?.on('data', (b: Buffer) => {
      tail = (tail + b.toString('utf8')).slice(-4096);
      const lines = tail.split('\n').filter((l) => /\b(ERROR|FATAL)\b/.test(l));
      if (lines.length) r.lastError = lines[lines.length - 1]!.trim();
    });
    child.on('exit', (code, sig) => this.exited(pod, r, child, code ?? (sig ? 128 : 1)));
    void this.waitReady(pod, r);
  }

  /**
   * PgBouncer exited on its own (a bad config, a port taken): the pod says so in
   * its container status, as a node does, and it starts again after a back-off.
   */
  private exited(pod: KubeObject, r: Running, child: ChildProcess, exitCode: number): void {
    if (r.child === child) r.child = undefined;
    if (r.stopped) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.running.get(key) !== r) return;
    const message = r.lastError ?? `pgbouncer exited with code ${exitCode}`;
    process.stderr.write(`sandbox kubelet: pooler pod ${key}: ${message}\n`);
    this.write.status(pod, {
      conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }],
      containerStatuses: [{ ...runningStatus(POOLER_CONTAINER, false, r.restarts), started: false, state: { waiting: { reason: 'CrashLoopBackOff', message } }, lastState: { terminated: { exitCode, reason: 'Error', message, finishedAt: now() } } }],
    });
    r.restartTimer = setTimeout(() => {
      if (r.stopped || this.running.get(key) !== r) return;
      r.restarts++;
      r.lastError = undefined;
      try {
        this.start(pod, r);
      } catch (e) {
        process.stderr.write(`sandbox kubelet: pooler pod ${key}: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }, backoffMs(r.restarts));
  }

  private async waitReady(pod: KubeObject, r: Running): Promise<void> {
    for (let i = 0; i < 100 && r.child; i++) {
      const ok = await new Promise<boolean>((res) => {
        const s = connect(Number(r.env.CONNECTION_POOLER_PORT || 5432), r.ip, () => (s.end(), res(true)));
        s.on('error', () => res(false));
      });
      const fresh = this.registry.find(this.registry.catalog.get('v1', 'pods')!, pod.metadata.namespace, pod.metadata.name!);
      if (!fresh || fresh.metadata.uid !== r.uid) return;
      if (ok) {
        if (!isReady(fresh)) this.write.status(fresh, { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }], containerStatuses: [runningStatus(POOLER_CONTAINER, true, r.restarts)] });
        return;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  /** The leader moved: PgBouncer is pointed at the new one and reloads. */
  private follow(): void {
    const pods = this.registry.catalog.get('v1', 'pods')!;
    this.retryPending();
    for (const [key, r] of this.running) {
      const [ns, name] = key.split('/') as [string, string];
      if (!r.child || this.hostFor(ns, r.env.PGHOST ?? '') === r.host) continue;
      const pod = this.registry.find(pods, ns, name);
      if (!pod) continue;
      this.writeFiles(pod, r);
      signal(r, 'SIGHUP');
    }
  }

  private retryPending(): void {
    const pods = this.registry.catalog.get('v1', 'pods')!;
    for (const key of [...this.pending]) {
      const [ns, name] = key.split('/') as [string, string];
      const pod = this.registry.find(pods, ns, name);
      if (!pod || pod.metadata.deletionTimestamp) this.pending.delete(key);
      else this.ensure(pod, true);
    }
  }

  stop(pod: KubeObject): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const r = this.running.get(key);
    if (!r || r.uid !== pod.metadata.uid) return;
    this.running.delete(key);
    halt(r);
    this.ips.give(r.ip);
  }

  stopAll(): void {
    for (const u of this.unsubscribe) u();
    for (const r of this.running.values()) {
      halt(r);
      this.ips.give(r.ip);
    }
    this.running.clear();
  }
}

function halt(r: Running): void {
  r.stopped = true;
  clearTimeout(r.restartTimer);
  signal(r, 'SIGTERM');
}

/** PgBouncer itself, by its pidfile: runuser would not pass every signal on. */
function signal(r: Running, sig: NodeJS.Signals): void {
  try {
    process.kill(Number(readFileSync(join(r.dir, 'pgbouncer.pid'), 'utf8').trim()), sig);
  } catch {
    r.child?.kill(sig);
  }
}
