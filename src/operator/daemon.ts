// `zpg --daemon`: the headless operator. It reads its configuration, serves
// /healthz, /readyz and /metrics, campaigns for the leader Lease, and runs the
// controller only while it leads, so two replicas never reconcile at once.
import type * as k8s from '@kubernetes/client-node';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { prepareClient } from '../services/kube/config.ts';
import { EventRecorder } from '../services/kube/events.ts';
import { LeaderElector } from '../services/kube/leader-election.ts';
import { ObjectWriter } from '../services/kube/object-writer.ts';
import { createLogger, type Logger } from '../services/log.ts';
import { ConfigSource } from './controller/config-source.ts';
import { Controller } from './controller/controller.ts';
import { Metrics } from './controller/metrics.ts';
import { operatorApi } from './http-api.ts';

export interface DaemonOptions {
  kc: k8s.KubeConfig;
  /** where the configuration and the Lease live (POD_NAMESPACE) */
  namespace: string;
  configMapName?: string;
  operatorConfigurationName?: string;
  watchedNamespace?: string;
  controllerId?: string;
  /** HTTP port for health and metrics; 0 picks a free one */
  port?: number;
  host?: string;
  identity?: string;
  leaseName?: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  log?: Logger;
  resyncMs?: number;
  retryBaseMs?: number;
  /** how often an idle cluster's Patroni is read for /metrics (default 30 s) */
  healthIntervalMs?: number;
}

export interface Daemon {
  url: string;
  identity: string;
  readonly leading: boolean;
  readonly controller: Controller | undefined;
  stop(): Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<Daemon> {
  prepareClient(o.kc);
  const identity = o.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const log = o.log ?? createLogger({ base: { component: 'zpg-operator' } });
  let controller: Controller | undefined;
  let ready = false;
  let stopping = false;
  let transition: Promise<void> = Promise.resolve();
  // One set of metrics for the daemon's life: counters survive losing and regaining the lease.
  const metrics = new Metrics();
  const configWriter = new ObjectWriter(o.kc);
  metrics.trackWrites(configWriter.writes);

  const source = new ConfigSource(o.kc, {
    namespace: o.namespace,
    configMapName: o.configMapName,
    operatorConfigurationName: o.operatorConfigurationName,
    log,
    events: new EventRecorder(configWriter, { component: 'postgres-operator', instance: identity, onError: (m) => log.warn(m) }),
    onChange: () => void controller?.configChanged(),
  });
  await source.start();

  const elector = new LeaderElector(o.kc, {
    namespace: o.namespace,
    name: o.leaseName ?? 'zpg-operator',
    identity,
    leaseDurationSeconds: o.leaseDurationSeconds,
    renewDeadlineSeconds: o.renewDeadlineSeconds,
    retryPeriodSeconds: o.retryPeriodSeconds,
    onError: (m) => log.warn(`leader election: ${m}`),
    // Transitions run one after another, so a quick lose-and-win never runs two controllers.
    onStartedLeading: () => {
      transition = transition.then(async () => {
        if (stopping) return;
        log.info('started leading; reconciling', { identity });
        controller = new Controller({
          kc: o.kc,
          log,
          identity,
          operatorNamespace: o.namespace,
          config: () => source.config,
          watchedNamespaceEnv: o.watchedNamespace,
          controllerId: o.controllerId,
          resyncMs: o.resyncMs,
          retryBaseMs: o.retryBaseMs,
          healthIntervalMs: o.healthIntervalMs,
          metrics,
        });
        await controller.start().catch((e: unknown) => log.error('controller failed to start', { error: String(e) }));
      });
    },
    onStoppedLeading: () => {
      transition = transition.then(async () => {
        log.warn('stopped leading; standing by', { identity });
        const c = controller;
        controller = undefined;
        await c?.stop();
      });
    },
  });

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/$/, '') || '/';
    if (path === '/healthz') return send(res, 200, 'ok\n');
    if (path === '/readyz') return ready ? send(res, 200, controller ? 'ok: leading\n' : 'ok: standing by\n') : send(res, 503, 'starting\n');
    if (path === '/metrics') {
      metrics.render().then(
        (body) => send(res, 200, body, metrics.contentType),
        (e: unknown) => send(res, 500, `metrics: ${String(e)}\n`),
      );
      return;
    }
    const api = operatorApi(path, {
      config: () => source.config,
      controller: () => controller,
      namespace: o.namespace,
      configMapName: o.configMapName,
      operatorConfigurationName: o.operatorConfigurationName,
    });
    if (api) return send(res, api.status, `${JSON.stringify(api.body)}\n`, 'application/json');
    send(res, 404, 'not found: try /healthz, /readyz, /metrics, /status, /config, /clusters/NS/NAME or /workers/all/status\n');
  });
  metrics.use({
    clustersByStatus: () => controller?.clustersByStatus() ?? new Map(),
    queueDepth: () => controller?.queueDepth ?? 0,
    leader: () => elector.isLeader,
    clusterHealth: () => controller?.health.rows() ?? [],
    backupHealth: () => controller?.backups.rows() ?? [],
  });
  await listen(server, o.port ?? 8080, o.host ?? '0.0.0.0');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  elector.start();
  ready = true;
  log.info('daemon started', { identity, namespace: o.namespace, port });

  return {
    url: `http://${o.host && o.host !== '0.0.0.0' ? o.host : '127.0.0.1'}:${port}`,
    identity,
    get leading() {
      return elector.isLeader;
    },
    get controller() {
      return controller;
    },
    async stop() {
      ready = false;
      stopping = true;
      // The controller finishes the reconciles in flight before the lease is released.
      await transition;
      await controller?.stop();
      controller = undefined;
      await elector.stop();
      await transition;
      await source.stop();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections?.();
      log.info('daemon stopped', { identity });
    },
  };
}

function send(res: import('node:http').ServerResponse, code: number, body: string, type = 'text/plain'): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `port ${port} is in use: pass --port with a free one` : e.message)),
    );
    server.listen(port, host, () => resolve());
  });
}
