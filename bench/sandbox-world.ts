// The world the member benches (BENCH=roles, BENCH=rollout) measure in: the
// demo's sandbox (API, controllers, kubelet running real Patroni 3 +
// PostgreSQL 15 members) on a loopback subnet of its own, with zpg's CRDs and
// operator configuration, and the daemon as its own process (bin/zpg.mjs
// --daemon, as a Deployment runs it). stop() takes it all down and says which
// processes are left under the data directory.
import * as k8s from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installCrds, installOperatorConfig } from '../src/sandbox/demo/install.ts';
import { CONFIG_MAP_NAME, OPERATOR_NAMESPACE } from '../src/sandbox/demo/samples.ts';
import { claimSubnet } from '../src/sandbox/demo/subnet.ts';
import { startWorld, type World } from '../src/sandbox/demo/world.ts';
import { processesUnder } from '../src/sandbox/patroni/processes.ts';
import { eventually } from '../test/helpers/sandbox.ts';

const REPO = join(import.meta.dirname, '..');

export interface BenchWorld {
  dir: string;
  world: World;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
  /**
   * Starts the daemon against the world (stopped by stop()). `log`: its stdout and stderr go to DIR/daemon.log;
   * otherwise its stdout is the caller's to read and its stderr goes to the bench's.
   */
  startDaemon(o?: { flags?: string[]; log?: boolean }): ChildProcess;
  /** test/helpers/sandbox.ts's `eventually`, typed for what `fn` answers once it is truthy; fails naming the bench */
  until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, stepMs?: number): Promise<T>;
  /** the superuser's password of a cluster, from the Secret the operator made */
  password(cluster: string, namespace?: string): Promise<string>;
  stop(): Promise<void>;
}

/** `name`: the bench's, for its temporary directory and its messages. BENCH_KEEP_DIR=1 keeps the directory. */
export async function startBenchWorld(name: string): Promise<BenchWorld> {
  const dir = mkdtempSync(join(tmpdir(), `zpg-bench-${name}-`));
  chmodSync(dir, 0o755); // members run as postgres when the bench runs as root
  const subnet = claimSubnet();
  let world: World;
  try {
    world = await startWorld({ dataDir: dir, kubeconfig: join(dir, 'kubeconfig'), subnet: subnet.octet });
  } catch (e) {
    subnet.release();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  installCrds(world.api.registry);
  installOperatorConfig(world.api.registry);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(world.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const daemons: ChildProcess[] = [];

  return {
    dir,
    world,
    core,
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    startDaemon: ({ flags = [], log = false } = {}) => {
      const d = spawn(process.execPath, [...flags, join(REPO, 'bin', 'zpg.mjs'), '--daemon', '--kubeconfig', world.kubeconfig, '--port', '0'], {
        env: { ...process.env, POD_NAMESPACE: OPERATOR_NAMESPACE, CONFIG_MAP_NAME, WATCHED_NAMESPACE: '*' },
        stdio: ['ignore', 'pipe', log ? 'pipe' : 'inherit'],
      });
      if (log) {
        const file = createWriteStream(join(dir, 'daemon.log'));
        d.stdout!.pipe(file);
        d.stderr!.pipe(file);
      }
      daemons.push(d);
      return d;
    },
    until: <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, stepMs = 250) =>
      (eventually(what, fn, timeoutMs, stepMs) as Promise<T>).catch((e: Error) => {
        throw new Error(`bench ${name}: ${e.message}`);
      }),
    password: async (cluster, namespace = 'default') =>
      Buffer.from((await core.readNamespacedSecret({ namespace, name: `postgres.${cluster}.credentials.postgresql.acid.zalan.do` })).data!.password!, 'base64').toString('utf8'),
    stop: async () => {
      for (const d of daemons) {
        if (d.exitCode !== null || d.signalCode !== null) continue;
        await new Promise<void>((r) => {
          d.once('exit', () => r());
          d.kill('SIGTERM');
        });
      }
      await world.stop();
      subnet.release();
      const left = processesUnder(dir).map((p) => p.pid);
      if (left.length) process.stderr.write(`bench ${name}: processes left under ${dir}: ${left.join(' ')}\n`);
      if (!process.env.BENCH_KEEP_DIR) rmSync(dir, { recursive: true, force: true });
    },
  };
}
