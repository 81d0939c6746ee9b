// The operator's control loop: informer caches → a per-cluster queue → N
// workers running the reconcile. Any change to a manifest or to one of its
// children queues that cluster; a periodic resync queues all of them, and,
// reading only the caches, costs nothing when nothing differs.
import type * as k8s from '@kubernetes/client-node';
import type { OperatorConfig } from '../config/keys.ts';
import type { Postgresql } from '../model/types.ts';
import { statusWord } from '../model/normalize.ts';
import { EventRecorder } from '../../services/kube/events.ts';
import { ObjectWriter } from '../../services/kube/object-writer.ts';
import type { Logger } from '../../services/log.ts';
import { ClusterCache } from './cache.ts';
import { claimLister } from './delete.ts';
import type { ReconcileResult } from './result.ts';
import { memberTransports } from '../../services/patroni/transports.ts';
import { Metrics } from './metrics.ts';
import { BackupHealth, backupStores, type BackupCluster } from './metrics-backups.ts';
import { ClusterHealth, type WatchedCluster } from './metrics-clusters.ts';
import { ROLLING_UPDATE_ANNOTATION, selectorLabels } from '../build/meta.ts';
import { labelledLeader } from './leader-events.ts';
import { normalize } from '../model/normalize.ts';
import { ManifestChanges } from './manifest-changes.ts';
import { Reconciler } from './reconciler.ts';
import { postgresAccess } from './sync-postgres.ts';
import { TeamWatch } from './team-watch.ts';
import { podEnvironmentReader } from './pod-environment.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerOptions {
  kc: k8s.KubeConfig;
  log: Logger;
  identity: string;
  /** the namespace the operator runs in ("" watched_namespace means this one) */
  operatorNamespace: string;
  config: () => OperatorConfig;
  /** WATCHED_NAMESPACE from the environment wins over the configuration */
  watchedNamespaceEnv?: string;
  controllerId?: string;
  /** test and bench knobs */
  resyncMs?: number;
  retryBaseMs?: number;
  informerRestartMs?: number;
  /** the daemon's metrics, which outlive this controller's leadership term */
  metrics?: Metrics;
  /** how often an idle cluster's Patroni is read for /metrics (default 30 s) */
  healthIntervalMs?: number;
  /** how often a cluster's backup catalog is read for /metrics (default 5 min) */
  backupIntervalMs?: number;
}

export class Controller {
  readonly writer: ObjectWriter;
  readonly metrics: Metrics;
  private readonly o: ControllerOptions;
  private readonly events: EventRecorder;
  private readonly reconciler: Reconciler;
  private readonly queue: WorkQueue;
  private cache?: ClusterCache;
  private cacheShape = '';
  /** PostgresTeam objects, while enable_postgres_team_crd is on */
  private teams?: TeamWatch;
  private teamShape = '';
  private resyncTimer?: NodeJS.Timeout;
  private running = false;
  /** when every cluster was last queued (start, resync, configuration change), unix seconds */
  lastSyncTime = 0;
  /** per-cluster Patroni and backup health for /metrics */
  readonly health: ClusterHealth;
  readonly backups: BackupHealth;

  constructor(opts: ControllerOptions) {
    this.o = opts;
    this.writer = new ObjectWriter(opts.kc);
    this.metrics = opts.metrics ?? new Metrics();
    this.metrics.trackWrites(this.writer.writes);
    this.events = new EventRecorder(this.writer, {
      component: 'postgres-operator',
      instance: opts.identity,
      onError: (m) => opts.log.warn(m),
    });
    this.health = new ClusterHealth({ clusters: () => this.watchedClusters(), patroni: memberTransports(opts.kc), intervalMs: opts.healthIntervalMs });
    this.backups = new BackupHealth({ clusters: () => this.backupClusters(), ...backupStores(opts.kc, opts.config, { ttlMs: opts.backupIntervalMs }), intervalMs: opts.backupIntervalMs });
    // Patroni answers the reconcile gets anyway also feed the health cache.
    const access = postgresAccess(opts.kc, opts.operatorNamespace);
    this.reconciler = new Reconciler({
      cache: undefined as unknown as ClusterCache, // set by startCache() before any work is queued
      writer: this.writer,
      events: this.events,
      log: opts.log,
      config: opts.config,
      controllerId: opts.controllerId ?? '',
      listClaims: claimLister(opts.kc),
      patroni: this.health.observingTransports(memberTransports(opts.kc)),
      // Teams from the watch once it has listed them; before that (or with the CRD off) straight from the API.
      postgres: { ...access, patroni: this.health.observingTransports(access.patroni), postgresTeams: () => (this.teams?.teams() ? Promise.resolve(this.teams.teams()!) : access.postgresTeams!()) },
      podEnvironment: podEnvironmentReader(opts.kc, opts.operatorNamespace),
      requeue: (key) => this.queue.add(key),
    });
    this.queue = new WorkQueue((key) => this.handle(key), { workers: Math.max(1, opts.config().workers), baseDelayMs: opts.retryBaseMs });
  }

  get watchedNamespace(): string | undefined {
    const ns = this.o.watchedNamespaceEnv ?? this.o.config().watched_namespace;
    if (ns === '*') return undefined;
    return ns === '' ? this.o.operatorNamespace : ns;
  }

  get eventRecorder(): EventRecorder {
    return this.events;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.startCache();
    await this.syncTeamWatch();
    this.scheduleResync();
    this.health.start();
    this.backups.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.resyncTimer);
    this.health.stop();
    this.backups.stop();
    await this.queue.stop();
    await this.reconciler.reportsIdle(); // only the leader writes: nothing after stop()
    await this.cache?.stop();
    await this.teams?.stop();
    this.teams = undefined;
    this.teamShape = '';
  }

  /** a new configuration: the caches follow a changed scope or label, then every cluster is reconciled */
  async configChanged(): Promise<void> {
    if (!this.running) return;
    if (this.shape() !== this.cacheShape) {
      this.o.log.info('watch scope changed; restarting the caches', { namespace: this.watchedNamespace ?? '*' });
      await this.cache?.stop();
      await this.startCache();
    } else {
      this.enqueueAll();
    }
    await this.syncTeamWatch();
    this.scheduleResync();
  }

  /** the PostgresTeam watch follows enable_postgres_team_crd and the watched namespace */
  private async syncTeamWatch(): Promise<void> {
    const shape = this.o.config().enable_postgres_team_crd ? JSON.stringify([this.watchedNamespace]) : '';
    if (shape === this.teamShape) return;
    await this.teams?.stop();
    this.teams = undefined;
    this.teamShape = shape;
    if (!shape) return;
    this.teams = new TeamWatch(this.o.kc, {
      namespace: this.watchedNamespace,
      superuserTeams: () => this.o.config().postgres_superuser_teams,
      restartDelayMs: this.o.informerRestartMs,
      onError: (m) => this.o.log.warn(m),
      onChange: (affected) => {
        const keys = (this.cache?.list('postgresql') ?? [])
          .filter((pg) => {
            const team = (pg as unknown as Postgresql).spec?.teamId;
            return team && (affected.all || affected.teams.has(team));
          })
          .map((pg) => `${pg.metadata.namespace}/${pg.metadata.name}`);
        if (keys.length) this.o.log.info('PostgresTeam changed: clusters queued', { teams: affected.all ? '*' : [...affected.teams].join(','), clusters: keys.join(',') });
        for (const k of keys) this.queue.add(k);
      },
    });
    this.teams.start();
  }

  /** resolves when no cluster is queued or being reconciled, and their reports and events are written */
  async idle(): Promise<void> {
    await this.queue.idle();
    await this.reconciler.reportsIdle();
    if (this.queue.depth + this.queue.inFlight > 0) await this.idle(); // a failed report queued its cluster again
  }

  get queueDepth(): number {
    return this.queue.depth + this.queue.inFlight;
  }

  clustersByStatus(): Map<string, number> {
    const out = new Map<string, number>();
    for (const pg of this.cache?.list('postgresql') ?? []) {
      const word = statusWord(pg as unknown as Postgresql);
      out.set(word, (out.get(word) ?? 0) + 1);
    }
    return out;
  }

  /** our clusters as the caches hold them, for the health metrics */
  private watchedClusters(): WatchedCluster[] {
    const config = this.o.config();
    return this.ownClusters().map((pg) => {
      const namespace = pg.metadata.namespace!;
      const name = pg.metadata.name!;
      const pods = this.cache?.pods(namespace, selectorLabels({ pg, config, name, namespace })) ?? [];
      const leader = labelledLeader(pods, config.pod_role_label);
      return {
        namespace,
        name,
        expected: pg.spec.numberOfInstances ?? 0,
        // only running pods can answer; the others would cost a tunnel and a timeout each
        pods: pods
          .filter((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running')
          .map((p) => ({ name: p.metadata.name!, podIP: (p.status as { podIP?: string } | undefined)?.podIP, leader: p.metadata.name === leader })),
        rolling: pods.some((p) => p.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true'),
      };
    });
  }

  private backupClusters(): BackupCluster[] {
    return this.ownClusters().map((pg) => ({ namespace: pg.metadata.namespace!, name: pg.metadata.name!, uid: pg.metadata.uid ?? '', ...(pg.spec.env?.length ? { env: pg.spec.env as k8s.V1EnvVar[] } : {}) }));
  }

  private ownClusters(): Postgresql[] {
    return (this.cache?.list('postgresql') ?? [])
      .map((o) => normalize(o as unknown as Postgresql))
      .filter((pg) => this.reconciler.owns(pg) && !pg.metadata.deletionTimestamp);
  }

  private shape(): string {
    const c = this.o.config();
    return JSON.stringify([this.watchedNamespace, c.cluster_name_label, c.pod_service_account_name]);
  }

  private async startCache(): Promise<void> {
    const config = this.o.config();
    this.cacheShape = this.shape();
    // Events from the first lists wait: a reconcile before every cache is filled would see children missing.
    let synced = false;
    const changes = new ManifestChanges();
    const cache = new ClusterCache(this.o.kc, {
      namespace: this.watchedNamespace,
      clusterNameLabel: config.cluster_name_label,
      podServiceAccountName: config.pod_service_account_name,
      restartDelayMs: this.o.informerRestartMs,
      onError: (m) => this.o.log.warn(m),
      onChange: (kind, obj, change) => {
        const pgKey = kind.kind === 'postgresql' ? `${obj.metadata.namespace}/${obj.metadata.name}` : '';
        // A status write (our own included) changes nothing the reconcile acts on. Seen before the sync too, so
        // the first status write after a start is known as one.
        const unchanged = pgKey !== '' && change !== 'delete' && !changes.changed(pgKey, obj);
        if (!synced || (unchanged && change === 'update')) return;
        if (pgKey) {
          if (change === 'delete') {
            changes.forget(pgKey);
            this.reconciler.remember(obj as unknown as Postgresql);
          }
          this.queue.add(pgKey);
          return;
        }
        if (kind.byName) {
          for (const pg of cache.list('postgresql', obj.metadata.namespace)) this.queue.add(`${pg.metadata.namespace}/${pg.metadata.name}`);
          return;
        }
        const cluster = obj.metadata.labels?.[this.o.config().cluster_name_label];
        if (cluster) this.queue.add(`${obj.metadata.namespace}/${cluster}`);
      },
    });
    this.cache = cache;
    this.reconciler.useCache(cache);
    await cache.start();
    synced = true;
    this.enqueueAll();
  }

  private enqueueAll(): void {
    this.lastSyncTime = Math.floor(Date.now() / 1000);
    for (const pg of this.cache?.list('postgresql') ?? []) this.queue.add(`${pg.metadata.namespace}/${pg.metadata.name}`);
  }

  private scheduleResync(): void {
    clearInterval(this.resyncTimer);
    const every = this.o.resyncMs ?? this.o.config().resync_period;
    if (every > 0) this.resyncTimer = setInterval(() => this.enqueueAll(), every);
  }

  get clusterCount(): number {
    return this.cache?.list('postgresql').length ?? 0;
  }

  inFlight(): { key: string; since: string }[] {
    return this.queue.inFlightKeys();
  }

  /** one cluster and its objects as the caches hold them, in the shape of Zalando's /clusters/NS/NAME */
  clusterObjects(namespace: string, name: string): Record<string, unknown> | undefined {
    const pg = this.cache?.get('postgresql', namespace, name) as unknown as Postgresql | undefined;
    if (!pg) return undefined;
    const get = (kind: string, n: string) => this.cache?.get(kind, namespace, n) ?? null;
    const config = this.o.config();
    const busy = this.queue.inFlightKeys().findIndex((k) => k.key === `${namespace}/${name}`);
    return {
      Team: pg.spec?.teamId ?? '',
      Cluster: name,
      Namespace: namespace,
      MasterService: get('Service', name),
      ReplicaService: get('Service', `${name}-repl`),
      MasterEndpoint: get('Endpoints', name),
      ReplicaEndpoint: get('Endpoints', `${name}-repl`),
      StatefulSet: get('StatefulSet', name),
      PrimaryPodDisruptionBudget: get('PodDisruptionBudget', config.pdb_name_format.replaceAll('{cluster}', name)),
      CriticalOpPodDisruptionBudget: get('PodDisruptionBudget', `postgres-${name}-critical-op-pdb`),
      CurrentProcess: busy >= 0 ? { Name: 'Sync', StartTime: this.queue.inFlightKeys()[busy]!.since } : { Name: '', StartTime: '0001-01-01T00:00:00Z' },
      Worker: Math.max(0, busy),
      Status: pg.status ?? {},
      Spec: pg.spec ?? {},
      Error: null,
    };
  }

  /** clusters whose rolling update holds a slot (max_concurrent_rolling_updates) */
  get rollingClusters(): number {
    return this.reconciler.rollouts.rolling;
  }

  private async handle(key: string): Promise<ReconcileResult> {
    const t0 = performance.now();
    let failed = false;
    this.health.touch(key);
    try {
      return await this.reconciler.reconcile(key);
    } catch (e) {
      failed = true;
      this.o.log.error('reconcile failed; will retry', { cluster: key, error: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      this.metrics.observe((performance.now() - t0) / 1000, failed);
    }
  }
}
