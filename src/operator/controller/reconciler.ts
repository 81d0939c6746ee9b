// One cluster's reconcile: read the manifest and its children from the caches,
// validate, build the desired objects, write only the differences, then say
// what happened in status and events, and carry out a pending rolling update.
// Answers when to come back (a rollout waiting for a pod); throws when a write
// failed, so the queue retries with back-off. An invalid manifest is terminal:
// it is reported and not retried until the manifest changes.
import type { OperatorConfig } from '../config/keys.ts';
import { buildCluster, namespaceObjects, type BuildInputs, type KubeObj } from '../build/cluster.ts';
import { CONTROLLER_ANNOTATION, FINALIZER, ROLLING_UPDATE_ANNOTATION, selectorLabels } from '../build/meta.ts';
import { PASSWORD_PLACEHOLDER } from '../build/secrets.ts';
import { desiredReplicas } from '../build/statefulset.ts';
import { normalize } from '../model/normalize.ts';
import type { Postgresql, PostgresqlStatus } from '../model/types.ts';
import { describeErrors, validate } from '../model/validate.ts';
import { parseMaintenanceWindow, type MaintenanceWindow } from '../model/maintenance-window.ts';
import { SPILO_MAX_LAG_BYTES } from '../reconcile/health.ts';
import { planCluster, writeStages, type Action } from '../reconcile/plan.ts';
import { clusterStatus, sameStatus, type EventKind } from '../reconcile/status.ts';
import { statusMessage } from '../../services/kube/config.ts';
import type { EventRecorder, EventType } from '../../services/kube/events.ts';
import { generatePassword, statusCode, type ObjectWriter } from '../../services/kube/object-writer.ts';
import type { Logger } from '../../services/log.ts';
import type { PatroniTransport } from '../../services/patroni/client.ts';
import type { MemberAddress } from '../../services/patroni/transports.ts';
import type { ClusterCache } from './cache.ts';
import { deleteCluster } from './delete.ts';
import { DONE, soonest, type ReconcileResult } from './result.ts';
import { RolloutRunner, type RolloutOutcome } from './rollout-runner.ts';
import { syncPostgres, type PostgresAccess } from './sync-postgres.ts';
import type { PodEnvironmentReader } from './pod-environment.ts';
import { LeaderEvents, labelledLeader } from './leader-events.ts';
import { ReportLane } from './report-lane.ts';

export interface ReconcilerDeps {
  cache: ClusterCache;
  writer: ObjectWriter;
  events: EventRecorder;
  log: Logger;
  config: () => OperatorConfig;
  /** Zalando's CONTROLLER_ID: only manifests annotated with it are ours ("" = unannotated ones) */
  controllerId: string;
  /** names of the PVCs matching a selector (read only when deleting volumes) */
  listClaims: (namespace: string, labelSelector: string) => Promise<string[]>;
  /** how Patroni's REST API is reached (rolling update switchovers); none: no switchover */
  patroni?: (m: MemberAddress) => PatroniTransport;
  /** how PostgreSQL and Patroni's configuration are reached for roles, databases and dynamic config; none: not synced */
  postgres?: PostgresAccess;
  /** reads pod_environment_configmap/secret and the logical backup Secret's keys; none: the builders get none */
  podEnvironment?: PodEnvironmentReader;
  now?: () => Date;
  /** queue a cluster again (a report written off the workers failed) */
  requeue?: (key: string) => void;
}

const EVENT_REASON: Record<EventKind, string> = { create: 'Create', update: 'Update', sync: 'Sync' };

export class Reconciler {
  private readonly d: ReconcilerDeps;
  /** the last state of deleted manifests, for the delete guards */
  private readonly tombstones = new Map<string, Postgresql>();
  /** warnings already told for a generation: a resync must not write the same event again */
  private readonly told = new Map<string, Set<string>>();

  readonly rollouts: RolloutRunner;
  /** leader changes, told as events on the postgresql object */
  private readonly leaders = new LeaderEvents();
  /** invalid manifests' Warning and failed status, off the workers (report-lane.ts) */
  private readonly reports: ReportLane;
  /** Normal events, off the workers too; a reconcile does not wait for them */
  private readonly notes: ReportLane;
  /** clusters whose last report failed: the next reconcile writes it itself, so a failure backs off */
  private readonly reportFailed = new Set<string>();

  constructor(deps: ReconcilerDeps) {
    this.d = deps;
    this.reports = new ReportLane({
      concurrency: 2,
      onError: (key, e) => {
        deps.log.error('report failed; will retry', { cluster: key, error: errorText(e) });
        this.reportFailed.add(key);
        deps.requeue?.(key);
      },
    });
    this.notes = new ReportLane({ concurrency: 2, onError: () => {} }); // record() never throws
    this.rollouts = new RolloutRunner({ writer: deps.writer, log: deps.log, patroni: deps.patroni, now: deps.now });
  }

  /** the caches are rebuilt when the watch scope changes */
  useCache(cache: ClusterCache): void {
    this.d.cache = cache;
  }

  remember(deleted: Postgresql): void {
    this.tombstones.set(`${deleted.metadata.namespace}/${deleted.metadata.name}`, deleted);
  }

  owns(pg: Pick<Postgresql, 'metadata'>): boolean {
    return (pg.metadata.annotations?.[CONTROLLER_ANNOTATION] ?? '') === this.d.controllerId;
  }

  /** resolves once every report and event handed off the workers so far is written */
  async reportsIdle(): Promise<void> {
    await Promise.all([this.reports.idle(), this.notes.idle()]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    await this.reports.settled(key);
    const [namespace, name] = key.split('/') as [string, string];
    const raw = this.d.cache.get('postgresql', namespace, name) as unknown as Postgresql | undefined;
    const log = this.d.log.child({ cluster: key });
    if (!raw) {
      const last = this.tombstones.get(key);
      this.tombstones.delete(key);
      this.told.delete(key);
      this.reportFailed.delete(key);
      this.rollouts.forget(key);
      this.leaders.forget(key);
      if (last && this.owns(last)) await deleteCluster(this.d, last, log);
      return DONE;
    }
    if (!this.owns(raw)) return DONE;
    const config = this.d.config();
    const pg = normalize(raw);
    if (pg.metadata.deletionTimestamp) {
      if (pg.metadata.finalizers?.includes(FINALIZER)) {
        await deleteCluster(this.d, pg, log);
        await this.d.writer.patch(pgRef(pg), { metadata: { finalizers: pg.metadata.finalizers.filter((f) => f !== FINALIZER) } });
      }
      this.rollouts.forget(key);
      return DONE;
    }

    const previous = typeof pg.status === 'object' ? pg.status : undefined;
    const kind = this.eventKind(pg, previous);
    const on = (type: EventType, reason: string, message: string) => this.d.events.record(involved(pg), type, reason, message);
    const toldNow = new Set<string>();
    const told = this.told.get(key);
    const once = async (type: EventType, reason: string, message: string) => {
      const id = `${pg.metadata.generation}|${reason}|${message}`;
      toldNow.add(id);
      if (!told?.has(id)) await on(type, reason, message);
    };

    const v = validate(pg, config);
    let inputs: BuildInputs = {};
    if (v.errors.length === 0 && this.d.podEnvironment) {
      try {
        inputs = await this.d.podEnvironment(namespace, config, Boolean(pg.spec.enableLogicalBackup));
      } catch (e) {
        // Building without them would drop env from the pods and roll every one: nothing is written until they read.
        const why = e instanceof Error ? e.message : String(e);
        log.warn('pod environment unreadable; nothing written', { reason: why });
        await once('Warning', EVENT_REASON[kind], why);
        this.told.set(key, toldNow);
        await this.writeStatus(pg, previous, kind, { failure: why, replicas: pg.spec.numberOfInstances ?? 0 });
        throw new Error(why, { cause: e });
      }
    }
    const built = v.errors.length === 0 ? buildCluster(pg, config, inputs) : undefined;
    const invalid = v.errors.length > 0 ? describeErrors(v.errors) : built!.errors.join('; ') || undefined;
    if (invalid || !built) {
      // Terminal: retrying cannot help; the next change to the manifest queues it again. Told once per
      // generation, in one status and one Warning (its warnings folded in), and not again after a resync, a
      // restart or a new leader: a flood of bad manifests costs the API two writes each.
      if (toldInStatus(previous, pg.metadata.generation, invalid ?? 'invalid manifest')) return DONE;
      log.warn('manifest is invalid', { reason: invalid });
      this.told.set(key, toldNow);
      const report = () =>
        Promise.all([
          once('Warning', EVENT_REASON[kind], [invalid ?? 'invalid manifest', ...v.warnings.map((w) => `${w.field}: ${w.message}`)].join('; ')),
          this.writeStatus(pg, previous, kind, { invalid, replicas: pg.spec.numberOfInstances ?? 0 }),
        ]).then(() => undefined);
      // Written off the workers, unless the last attempt failed: then here, so the queue's back-off applies.
      if (!this.reportFailed.has(key)) this.reports.add(key, report);
      else {
        await report();
        this.reportFailed.delete(key);
      }
      return DONE;
    }
    for (const w of v.warnings) await once('Warning', 'Manifest', `${w.field}: ${w.message}`);
    for (const w of built.warnings) await once('Warning', 'ResourceLimits', w);
    this.told.set(key, toldNow);

    if (config.enable_finalizers && !pg.metadata.finalizers?.includes(FINALIZER)) {
      await this.d.writer.patch(pgRef(pg), { metadata: { finalizers: [...(pg.metadata.finalizers ?? []), FINALIZER] } });
    }
    const plan = planCluster(built, this.d.cache, namespaceObjects(config, built.context.namespace));
    const note = (reason: string, message: string) => this.notes.add(key, () => on('Normal', reason, message));
    if (plan.actions.some((a) => a.op === 'create' && a.object.kind === 'StatefulSet')) {
      note('Create', 'Started creation of new cluster resources');
    }
    let failure: string | undefined;
    let secretsCreated = 0;
    const applyOne = async (action: Action): Promise<string | undefined> => {
      try {
        log.info(`${action.op} ${action.object.kind}/${action.object.metadata.name}`, { reason: action.reason });
        await this.apply(action);
        if (action.op === 'create' && action.object.kind === 'Secret') secretsCreated++;
        const message = eventFor(action);
        if (message) note(message[0], message[1]);
        return undefined;
      } catch (e) {
        log.error('write failed', { action: action.op, object: `${action.object.kind}/${action.object.metadata.name}`, error: errorText(e) });
        return `${action.op} ${action.object.kind} "${action.object.metadata.name}": ${errorText(e)}`;
      }
    };
    for (const stage of writeStages(plan.actions)) {
      const failed = (await Promise.all(stage.map(applyOne))).filter((f): f is string => f !== undefined);
      if (failed.length) failure = [failure, ...failed].filter(Boolean).join('; ');
    }
    if (secretsCreated > 0) note('Secrets', 'The secrets have been successfully created');
    if (failure) await on('Warning', EVENT_REASON[kind], failure);
    const leaderPods = this.d.cache.pods(namespace, selectorLabels({ pg, config, name, namespace }));
    const nowMs = (this.d.now?.() ?? new Date()).getTime();
    const leaderEvent = this.leaders.observe(key, labelledLeader(leaderPods, config.pod_role_label), nowMs);
    if (leaderEvent) await on(leaderEvent.type, leaderEvent.reason, leaderEvent.message);
    // a leader missing for a moment is told only if it stays missing: look again when its grace ends
    const recheck = this.leaders.recheckInMs(key, nowMs);
    let result: ReconcileResult = recheck === undefined ? DONE : { requeueAfterMs: recheck + 100 };
    // Pods are recreated only once every object is written; marks written just now reach the cache first.
    const marking = plan.actions.some((a) => a.op === 'mark-rolling-update');
    const rollout = failure || marking ? undefined : await this.rollout(key, pg, desiredReplicas(built.context), on);
    result = soonest(result, marking ? { requeueAfterMs: 500 } : rollout);
    if (!failure) result = soonest(result, await syncPostgres(this.d, pg, built, log));
    await this.writeStatus(pg, previous, kind, { failure, replicas: desiredReplicas(built.context), rollout });
    if (failure) throw new Error(failure);
    return result;
  }

  private async rollout(key: string, pg: Postgresql, wanted: number, on: (type: EventType, reason: string, message: string) => Promise<void>): Promise<RolloutOutcome> {
    const config = this.d.config();
    const ns = pg.metadata.namespace!;
    const windowsText = config.enable_maintenance_windows ? (pg.spec.maintenanceWindows?.length ? pg.spec.maintenanceWindows : config.maintenance_windows) : [];
    const windows = windowsText.map((w) => parseMaintenanceWindow(w)).filter((w): w is MaintenanceWindow => !('error' in w));
    return this.rollouts.step(
      {
        key,
        namespace: ns,
        name: pg.metadata.name!,
        pods: this.d.cache.pods(ns, selectorLabels({ pg, config, name: pg.metadata.name!, namespace: ns })),
        wanted,
        roleLabel: config.pod_role_label,
        maxLagBytes: pg.spec.patroni?.maximum_lag_on_failover ?? SPILO_MAX_LAG_BYTES,
        windows,
        timeoutMs: config.pod_label_wait_timeout,
        maxConcurrent: config.max_concurrent_rolling_updates,
        apiTimeoutMs: Math.max(1_000, config.patroni_api_check_timeout),
      },
      on,
    );
  }

  /** ADD until the StatefulSet first exists, UPDATE when the spec moved since the last reconcile, else SYNC */
  private eventKind(pg: Postgresql, previous: PostgresqlStatus | undefined): EventKind {
    const word = previous?.PostgresClusterStatus ?? '';
    if (!this.d.cache.get('StatefulSet', pg.metadata.namespace!, pg.metadata.name!) && ['', 'Creating', 'CreateFailed'].includes(word)) return 'create';
    if (previous?.observedGeneration !== undefined && previous.observedGeneration !== pg.metadata.generation) return 'update';
    return 'sync';
  }

  private async apply(action: Action): Promise<void> {
    const w = this.d.writer;
    switch (action.op) {
      case 'create':
        await w.create(withPassword(action.object));
        return;
      case 'patch':
        await w.patch(action.object, action.patch);
        return;
      case 'replace':
        await w.replace(withPassword(action.object));
        return;
      case 'delete':
        await w.delete(action.object);
        return;
      case 'mark-rolling-update':
        await w.patch(action.object, { metadata: { annotations: { [ROLLING_UPDATE_ANNOTATION]: 'true' } } });
        return;
    }
  }

  private async writeStatus(
    pg: Postgresql,
    previous: PostgresqlStatus | undefined,
    kind: EventKind,
    r: { invalid?: string; failure?: string; replicas: number; rollout?: RolloutOutcome },
  ): Promise<void> {
    const config = this.d.config();
    const ns = pg.metadata.namespace!;
    const pods = this.d.cache.pods(ns, selectorLabels({ pg, config, name: pg.metadata.name!, namespace: ns }));
    const next = clusterStatus({
      previous,
      generation: pg.metadata.generation,
      kind,
      invalid: r.invalid,
      failure: r.failure,
      desiredReplicas: r.replicas,
      pods,
      roleLabel: config.pod_role_label,
      maxLagBytes: pg.spec.patroni?.maximum_lag_on_failover ?? SPILO_MAX_LAG_BYTES,
      rollout: r.rollout?.condition,
      rolloutFailed: r.rollout?.failed,
      now: this.d.now?.() ?? new Date(),
    });
    if (sameStatus(pg.status, next)) return;
    try {
      await this.d.writer.patchStatus('acid.zalan.do', 'v1', 'postgresqls', ns, pg.metadata.name!, next as Record<string, unknown>);
    } catch (e) {
      // A Zalando CRD whose status schema knows only PostgresClusterStatus refuses our extra fields.
      if (statusCode(e) !== 422) throw e;
      await this.d.writer.patchStatus('acid.zalan.do', 'v1', 'postgresqls', ns, pg.metadata.name!, { PostgresClusterStatus: next.PostgresClusterStatus });
    }
  }
}

/** the status already says this generation is invalid, for this reason */
function toldInStatus(previous: PostgresqlStatus | undefined, generation: number | undefined, reason: string): boolean {
  if (!previous || generation === undefined || previous.observedGeneration !== generation) return false;
  return (previous.conditions ?? []).some((c) => c.type === 'Reconciled' && c.reason === 'InvalidManifest' && c.message === reason);
}

function withPassword(obj: KubeObj): KubeObj {
  if (obj.kind !== 'Secret') return obj;
  const data = obj.stringData as Record<string, string> | undefined;
  if (data?.password !== PASSWORD_PLACEHOLDER) return obj;
  return { ...obj, stringData: { ...data, password: generatePassword() } };
}

function eventFor(a: Action): [string, string] | undefined {
  const { kind, metadata } = a.object;
  if (a.op === 'create') {
    if (kind === 'Service') return ['Services', `The service "${metadata.name}" for role ${metadata.labels?.['spilo-role'] ?? 'master'} has been successfully created`];
    if (kind === 'Endpoints') return ['Endpoints', `Endpoint "${metadata.name}" has been successfully created`];
    if (kind === 'StatefulSet') return ['StatefulSet', `Statefulset "${metadata.name}" has been successfully created`];
    if (kind === 'CronJob') return ['LogicalBackup', `Logical backup job "${metadata.name}" has been successfully created`];
    return undefined;
  }
  if (a.op === 'mark-rolling-update') return ['Update', `Pod ${metadata.name} marked for a rolling update: ${a.reason}`];
  if (a.op === 'delete') return ['Delete', a.reason];
  return ['Update', a.reason];
}

export const pgRef = (pg: Postgresql) => ({ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: pg.metadata.name!, namespace: pg.metadata.namespace } });
export const involved = (pg: Postgresql) => ({ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', name: pg.metadata.name!, namespace: pg.metadata.namespace!, uid: pg.metadata.uid });

export function errorText(e: unknown): string {
  const code = statusCode(e);
  if (code !== undefined) {
    const msg = statusMessage((e as { body?: unknown }).body);
    return `HTTP ${code}${msg ? `: ${msg}` : ''}`;
  }
  return e instanceof Error ? e.message : String(e);
}
