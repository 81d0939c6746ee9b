// The rolling update's pure decisions (which pod next, when to switch over,
// when to give up), the queue's requeue-after, and the compare/build fixes
// that decide whether pods roll at all.
import { describe, expect, it } from 'vitest';
import { buildCluster, type KubeObj } from '../../src/operator/build/cluster.ts';
import { standbyEnv } from '../../src/operator/build/clone-standby-env.ts';
import { clusterContext } from '../../src/operator/build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../../src/operator/build/meta.ts';
import { parseConfigMapData } from '../../src/operator/config/parse.ts';
import { soonest } from '../../src/operator/controller/result.ts';
import { WorkQueue } from '../../src/operator/controller/work-queue.ts';
import { parseMaintenanceWindow, type MaintenanceWindow } from '../../src/operator/model/maintenance-window.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { planCluster, type LiveView } from '../../src/operator/reconcile/plan.ts';
import { decideRollout, nextWindowStart, switchoverCandidate, type RolloutInput } from '../../src/operator/reconcile/rollout.ts';
import { clusterStatus } from '../../src/operator/reconcile/status.ts';
import type { ClusterMember } from '../../src/services/patroni/types.ts';
import { loadFixture } from '../helpers/fixtures.ts';
import { eventually } from '../helpers/sandbox.ts';

const NOW = new Date('2026-03-04T12:00:00Z'); // a Wednesday

function pod(n: number, role: 'master' | 'replica' | undefined, o: { marked?: boolean; ready?: boolean; xlog?: number; phase?: string; waiting?: string; deleting?: boolean } = {}): KubeObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `acid-x-${n}`,
      uid: `uid-${n}`,
      labels: role ? { 'spilo-role': role } : {},
      annotations: {
        ...(o.marked ? { [ROLLING_UPDATE_ANNOTATION]: 'true' } : {}),
        status: JSON.stringify({ state: 'running', role: role ?? 'uninitialized', xlog_location: o.xlog ?? 1000 }),
      },
      ...(o.deleting ? { deletionTimestamp: NOW.toISOString() } : {}),
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      containerStatuses: o.waiting ? [{ state: { waiting: { reason: o.waiting } } }] : [{ state: { running: {} } }],
    },
  } as unknown as KubeObj;
}

const input = (pods: KubeObj[], o: Partial<RolloutInput> = {}): RolloutInput => ({
  cluster: 'acid-x',
  pods,
  wanted: pods.filter((p) => !p.metadata.deletionTimestamp).length,
  roleLabel: 'spilo-role',
  maxLagBytes: 1_048_576,
  now: NOW,
  since: {},
  timeoutMs: 60_000,
  active: false,
  windows: [],
  ...o,
});

describe('rolling update decisions', () => {
  it('does nothing when no pod is marked', () => {
    expect(decideRollout(input([pod(0, 'master'), pod(1, 'replica')]))).toEqual({ kind: 'none' });
  });

  it('recreates marked replicas first, lowest ordinal first, then switches over, then the old primary', () => {
    const all = [pod(0, 'master', { marked: true }), pod(1, 'replica', { marked: true }), pod(2, 'replica', { marked: true })];
    expect(decideRollout(input(all))).toMatchObject({ kind: 'recreate', pod: 'acid-x-1', role: 'replica', progress: { n: 1, total: 3 } });
    const oneDone = [pod(0, 'master', { marked: true }), pod(1, 'replica'), pod(2, 'replica', { marked: true })];
    expect(decideRollout(input(oneDone))).toMatchObject({ kind: 'recreate', pod: 'acid-x-2', progress: { n: 2, total: 3 } });
    const replicasDone = [pod(0, 'master', { marked: true }), pod(1, 'replica'), pod(2, 'replica')];
    expect(decideRollout(input(replicasDone))).toEqual({ kind: 'switchover', from: 'acid-x-0', progress: { n: 3, total: 3 } });
    // after the switchover the old primary is a marked replica: recreated, never a second switchover
    const switched = [pod(0, 'replica', { marked: true }), pod(1, 'master'), pod(2, 'replica')];
    expect(decideRollout(input(switched))).toMatchObject({ kind: 'recreate', pod: 'acid-x-0', role: 'replica' });
    expect(decideRollout(input([pod(0, 'replica'), pod(1, 'master'), pod(2, 'replica')], { active: true }))).toEqual({ kind: 'done' });
  });

  it('waits for a recreated pod to be running, ready and caught up before the next', () => {
    const since = { 'acid-x-1': '2026-03-04T11:59:40Z' };
    const starting = [pod(0, 'master', { marked: true }), pod(1, undefined, { ready: false }), pod(2, 'replica', { marked: true })];
    expect(decideRollout(input(starting, { since, active: true }))).toMatchObject({ kind: 'wait', pod: 'acid-x-1', since: '2026-03-04T11:59:40Z' });
    const lagging = [pod(0, 'master', { marked: true, xlog: 50_000_000 }), pod(1, 'replica', { xlog: 1000 }), pod(2, 'replica', { marked: true, xlog: 50_000_000 })];
    const step = decideRollout(input(lagging, { since, active: true }));
    expect(step).toMatchObject({ kind: 'wait', pod: 'acid-x-1' });
    expect(step.kind === 'wait' && step.what).toMatch(/lag 49999000 B over 1048576 B/);
    const gone = [pod(0, 'master', { marked: true }), pod(2, 'replica', { marked: true })];
    expect(decideRollout(input(gone, { wanted: 3, active: true }))).toMatchObject({ kind: 'wait', pod: 'acid-x-1', what: 'pod acid-x-1 to be created' });
    const terminating = [pod(0, 'master', { marked: true }), pod(1, 'replica', { deleting: true }), pod(2, 'replica', { marked: true })];
    expect(decideRollout(input(terminating, { wanted: 3 }))).toMatchObject({ kind: 'wait', what: 'pod acid-x-1 to terminate' });
  });

  it('stops with the pod and the reason when a pod does not come back in time', () => {
    const stuck = [pod(0, 'master', { marked: true }), pod(1, undefined, { phase: 'Pending', waiting: 'ErrImagePull', ready: false }), pod(2, 'replica', { marked: true })];
    const step = decideRollout(input(stuck, { since: { 'acid-x-1': '2026-03-04T11:58:00Z' }, active: true }));
    expect(step).toEqual({ kind: 'failed', pod: 'acid-x-1', reason: 'not back in time: pod ErrImagePull', since: '2026-03-04T11:58:00Z', progress: { n: 1, total: 3 } });
  });

  it('schedules the switchover at the next window start when outside the windows; a single member is recreated at once', () => {
    const w = (t: string) => parseMaintenanceWindow(t) as MaintenanceWindow;
    const replicasDone = [pod(0, 'master', { marked: true }), pod(1, 'replica')];
    expect(decideRollout(input(replicasDone, { windows: [w('Sat:01:00-03:00')] }))).toMatchObject({ kind: 'switchover', scheduleAt: '2026-03-07T01:00:00Z' });
    expect(decideRollout(input(replicasDone, { windows: [w('11:00-13:00')] }))).toEqual({ kind: 'switchover', from: 'acid-x-0', progress: { n: 2, total: 2 } });
    expect(decideRollout(input([pod(0, 'master', { marked: true })], { windows: [w('Sat:01:00-03:00')] }))).toMatchObject({ kind: 'recreate', pod: 'acid-x-0', role: 'primary' });
  });

  it('finds the next window start, daily or weekly', () => {
    const w = (t: string) => parseMaintenanceWindow(t) as MaintenanceWindow;
    expect(nextWindowStart([w('01:00-06:00')], NOW)).toBe('2026-03-05T01:00:00Z');
    expect(nextWindowStart([w('13:30-14:00')], NOW)).toBe('2026-03-04T13:30:00Z');
    expect(nextWindowStart([w('Wed:01:00-02:00')], NOW)).toBe('2026-03-11T01:00:00Z');
    expect(nextWindowStart([w('Sun:00:00-01:00'), w('Thu:22:00-23:00')], NOW)).toBe('2026-03-05T22:00:00Z');
    expect(nextWindowStart([w('11:00-13:00')], NOW)).toBeUndefined();
  });

  it('hands over to a synchronous standby first, then the least lag, never to a nofailover or still-marked member', () => {
    const m = (name: string, role: string, lag: number, tags?: Record<string, unknown>): ClusterMember => ({ name, role, state: 'streaming', lagBytes: lag, pendingRestart: false, tags });
    const leader = m('a-0', 'leader', 0);
    expect(switchoverCandidate([leader, m('a-1', 'replica', 10), m('a-2', 'replica', 5)], 'a-0', new Set(), 1000)?.name).toBe('a-2');
    expect(switchoverCandidate([leader, m('a-1', 'sync_standby', 10), m('a-2', 'replica', 5)], 'a-0', new Set(), 1000)?.name).toBe('a-1');
    expect(switchoverCandidate([leader, m('a-1', 'replica', 10, { nofailover: true }), m('a-2', 'replica', 5)], 'a-0', new Set(['a-2']), 1000)).toBeUndefined();
    expect(switchoverCandidate([leader, m('a-1', 'replica', 5000)], 'a-0', new Set(), 1000)).toBeUndefined();
  });

  it('writes UpdateFailed and the reason into the status when the rollout stopped', () => {
    const s = clusterStatus({
      previous: { PostgresClusterStatus: 'Updating' },
      generation: 2,
      kind: 'sync',
      desiredReplicas: 2,
      pods: [pod(0, 'master', { marked: true }), pod(1, undefined, { ready: false })],
      roleLabel: 'spilo-role',
      rollout: { reason: 'RollingUpdateFailed', message: 'stopped at pod 2 of 2: acid-x-1 not back in time: pod ErrImagePull' },
      rolloutFailed: 'Rolling update stopped',
      now: NOW,
    });
    expect(s.PostgresClusterStatus).toBe('UpdateFailed');
    expect(s.conditions?.find((c) => c.type === 'UpToDate')).toMatchObject({ status: 'False', reason: 'RollingUpdateFailed' });
  });
});

describe('reconcile results', () => {
  it('merges two requeue requests into the sooner one', () => {
    expect(soonest({}, {})).toEqual({});
    expect(soonest({ requeueAfterMs: 500 }, undefined)).toEqual({ requeueAfterMs: 500 });
    expect(soonest({ requeueAfterMs: 500 }, { requeueAfterMs: 200 })).toEqual({ requeueAfterMs: 200 });
  });

  it('the queue comes back after requeue-after without counting a failure', async () => {
    const runs: number[] = [];
    const t0 = Date.now();
    const q = new WorkQueue(
      async () => {
        runs.push(Date.now() - t0);
        return runs.length < 3 ? { requeueAfterMs: 100 } : {};
      },
      { workers: 1, baseDelayMs: 10_000 },
    );
    q.add('ns/a');
    await eventually('three runs', () => runs.length >= 3, 10_000);
    await q.idle();
    expect(runs.length).toBe(3);
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(90);
    expect(q.retrying).toBe(0);
    await q.stop();
  });
});

describe('what makes pods roll', () => {
  const pg = { ...(structuredClone(loadFixture('minimal-postgres-manifest.yaml')[0]) as unknown as Postgresql) };
  pg.metadata = { ...pg.metadata, namespace: 'default', uid: 'u1' };
  const config = parseConfigMapData({ kubernetes_use_configmaps: 'true' }).config;
  const live = (objs: KubeObj[]) => new Map(structuredClone(objs).map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  const view = (m: Map<string, KubeObj>, pods: KubeObj[] = []): LiveView => ({ get: (k, ns, n) => m.get(`${k}/${ns}/${n}`), pods: () => pods });
  const podOf = (sts: KubeObj): KubeObj =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'acid-minimal-cluster-0', namespace: 'default' }, spec: structuredClone((sts.spec as { template: { spec: object } }).template.spec) }) as KubeObj;
  const stsOf = (objs: KubeObj[]) => objs.find((o) => o.kind === 'StatefulSet')!;

  it('marks every pod for a pod-template change beyond image, env and resources (tolerations)', () => {
    const before = buildCluster(pg, config).objects;
    const p = planCluster(buildCluster({ ...pg, spec: { ...pg.spec, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } }, config), view(live(before), [podOf(stsOf(before))]));
    expect(p.actions.map((a) => a.op)).toEqual(['patch', 'mark-rolling-update']);
    expect(p.actions[1]!.reason).toMatch(/tolerations/);
  });

  it('a bootstrap.dcs-only change in SPILO_CONFIGURATION patches the StatefulSet but rolls no pod', () => {
    const before = buildCluster(pg, config).objects;
    const p = planCluster(buildCluster({ ...pg, spec: { ...pg.spec, patroni: { ttl: 45 } } }, config), view(live(before), [podOf(stsOf(before))]));
    expect(p.actions.map((a) => a.op)).toEqual(['patch']);
    expect(p.rollingUpdate).toBe(false);
  });

  it('an env value that only looks like a quantity rolls when it changes ("1k" is not "1000")', () => {
    const before = buildCluster({ ...pg, spec: { ...pg.spec, env: [{ name: 'BATCH', value: '1000' }] } }, config).objects;
    const p = planCluster(buildCluster({ ...pg, spec: { ...pg.spec, env: [{ name: 'BATCH', value: '1k' }] } }, config), view(live(before), [podOf(stsOf(before))]));
    expect(p.actions.map((a) => a.op)).toEqual(['patch', 'mark-rolling-update']);
  });

  it('with enable_lazy_spilo_upgrade an image change patches the StatefulSet and marks no pod', () => {
    const lazy = parseConfigMapData({ kubernetes_use_configmaps: 'true', enable_lazy_spilo_upgrade: 'true' }).config;
    const before = buildCluster(pg, lazy).objects;
    const p = planCluster(buildCluster(pg, { ...lazy, docker_image: 'spilo:new' }), view(live(before), [podOf(stsOf(before))]));
    expect(p.actions.map((a) => a.op)).toEqual(['patch']);
    // lazy mode off again: the pods still on the old image are marked
    const strict = parseConfigMapData({ kubernetes_use_configmaps: 'true', docker_image: 'spilo:new' }).config;
    const after = buildCluster(pg, strict).objects;
    const q = planCluster(buildCluster(pg, strict), view(live(after), [podOf(stsOf(before))]));
    expect(q.actions.map((a) => a.op)).toEqual(['mark-rolling-update']);
  });

  it('names TLS volumes after the Secrets, as Zalando does', () => {
    const tls = { ...pg, spec: { ...pg.spec, tls: { secretName: 'pg-tls', caSecretName: 'pg-ca', caFile: 'ca.crt' } } };
    const tpl = (stsOf(buildCluster(tls, config).objects).spec as { template: { spec: { volumes: { name: string }[]; containers: { volumeMounts: { name: string; mountPath: string }[] }[] } } }).template.spec;
    expect(tpl.volumes.map((v) => v.name)).toEqual(expect.arrayContaining(['pg-tls', 'pg-ca']));
    expect(tpl.containers[0]!.volumeMounts).toEqual(expect.arrayContaining([{ name: 'pg-tls', mountPath: '/tls' }, { name: 'pg-ca', mountPath: '/tlsca' }]));
  });

  it('emits the standby env in Zalando v2.0.1 order', () => {
    const standby = { ...pg, spec: { ...pg.spec, standby: { s3_wal_path: 's3://bucket/spilo/acid/wal/15' } } };
    expect(standbyEnv(clusterContext(standby, config)).map((e) => e.name)).toEqual(['STANDBY_WALE_S3_PREFIX', 'STANDBY_METHOD', 'STANDBY_WAL_BUCKET_SCOPE_PREFIX']);
  });

  it('with enable_owner_references gives Patroni\'s -config Service and Endpoints and the -repl Endpoints the cluster as owner', () => {
    const owned = parseConfigMapData({ kubernetes_use_configmaps: 'true', enable_owner_references: 'true' }).config;
    const objs = live(buildCluster(pg, owned).objects);
    const theirs = (kind: string, name: string): KubeObj => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'default', labels: { 'cluster-name': 'acid-minimal-cluster' } } });
    for (const o of [theirs('Service', 'acid-minimal-cluster-config'), theirs('Endpoints', 'acid-minimal-cluster-config'), theirs('Endpoints', 'acid-minimal-cluster-repl')]) objs.set(`${o.kind}/default/${o.metadata.name}`, o);
    const p = planCluster(buildCluster(pg, owned), view(objs));
    expect(p.actions.map((a) => `${a.op} ${a.object.kind}/${a.object.metadata.name}`)).toEqual([
      'patch Service/acid-minimal-cluster-config',
      'patch Endpoints/acid-minimal-cluster-config',
      'patch Endpoints/acid-minimal-cluster-repl',
    ]);
    expect(p.actions[0]).toMatchObject({ patch: { metadata: { ownerReferences: [{ kind: 'postgresql', uid: 'u1', controller: true }] } } });
    // without the key, nobody's objects are touched
    const plain = live(buildCluster(pg, config).objects);
    plain.set('Service/default/acid-minimal-cluster-config', theirs('Service', 'acid-minimal-cluster-config'));
    expect(planCluster(buildCluster(pg, config), view(plain)).actions).toEqual([]);
  });
});
