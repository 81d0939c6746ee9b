// Configuration parsing, manifest validation, the compare/plan step and the
// work queue: the pure parts of the operator, case by case.
import { describe, expect, it } from 'vitest';
import { buildCluster, type KubeObj } from '../../src/operator/build/cluster.ts';
import { defaultConfig, parseConfigMapData, parseOperatorConfiguration } from '../../src/operator/config/parse.ts';
import { parseDuration } from '../../src/operator/config/duration.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { validate, type FieldError } from '../../src/operator/model/validate.ts';
import { SPEC_SCHEMA } from '../../src/operator/model/spec-schema.generated.ts';
// @ts-expect-error: a plain .mjs script without types
import { render as renderSpecSchema, specSchema } from '../../scripts/spec-schema.mjs';
import { readFileSync } from 'node:fs';
import { planCluster, writeStages, type LiveView } from '../../src/operator/reconcile/plan.ts';
import { contains } from '../../src/operator/reconcile/match.ts';
import { clusterStatus } from '../../src/operator/reconcile/status.ts';
import { WorkQueue } from '../../src/operator/controller/work-queue.ts';
import { eventually } from '../helpers/sandbox.ts';
import { loadFixture } from '../helpers/fixtures.ts';

const minimal = (): Postgresql => structuredClone(loadFixture('minimal-postgres-manifest.yaml')[0]) as unknown as Postgresql;

describe('operator configuration', () => {
  it('reads every key of both fixture ConfigMaps without a problem or an unknown key', () => {
    for (const file of ['configmap.yaml', 'configmap.v1.15.1.yaml']) {
      const cm = loadFixture(file)[0] as unknown as { data: Record<string, string> };
      const parsed = parseConfigMapData(cm.data);
      expect(parsed.problems).toEqual([]);
      expect(parsed.unknown).toEqual([]);
      expect(parsed.config.cluster_labels).toEqual({ application: 'spilo' });
      expect(parsed.config.resync_period).toBe(30 * 60_000);
    }
  });

  it('reads the OperatorConfiguration example, sections flattened', () => {
    const parsed = parseOperatorConfiguration(loadFixture('postgresql-operator-default-configuration.yaml')[0]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.unknown).toEqual([]);
    expect(parsed.config.persistent_volume_claim_retention_policy).toEqual({ when_deleted: 'retain', when_scaled: 'retain' });
    expect(parsed.config.team_api_role_configuration).toEqual({ log_statement: 'all' });
    expect(parsed.config.pod_terminate_grace_period).toBe(300_000);
  });

  it('names the key and the expected form of a bad value', () => {
    const parsed = parseConfigMapData({ workers: '0', enable_shm_volume: 'yes please', cluster_labels: 'nocolon', resync_period: '5 minutes' });
    expect(parsed.problems.map((p) => p.message)).toEqual([
      'enable_shm_volume: "yes please" is not "true" or "false"',
      'cluster_labels: "nocolon" is not a map such as "key1:value1,key2:value2"',
      'resync_period: "5 minutes" is not a duration such as "30s", "5m" or "1h"',
      'workers: must be greater than 0',
    ]);
  });

  it('keeps volumes unless the configuration says otherwise, unlike Zalando', () => {
    expect(defaultConfig().enable_persistent_volume_claim_deletion).toBe(false);
    expect(parseConfigMapData({ enable_persistent_volume_claim_deletion: 'true' }).config.enable_persistent_volume_claim_deletion).toBe(true);
  });

  it('parses Go durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('5')).toBeUndefined();
  });
});

describe('manifest validation', () => {
  const config = defaultConfig();
  it('accepts every fixture manifest', () => {
    for (const file of ['minimal-postgres-manifest.yaml', 'complete-postgres-manifest.yaml', 'complete-postgres-manifest.v1.15.1.yaml', 'standby-manifest.yaml', 'clone-from-s3-manifest.yaml', 'clone-basebackup-manifest.yaml']) {
      expect(validate(loadFixture(file)[0] as unknown as Postgresql, config).errors, file).toEqual([]);
    }
  });

  it('names each bad field with what to do', () => {
    const pg = minimal();
    pg.metadata.name = 'Acid_Bad';
    delete pg.spec.teamId;
    pg.spec.numberOfInstances = -1;
    pg.spec.volume = { size: 'big' };
    pg.spec.users = { 'Bad User': [], ok: ['login', 'nologin'] };
    pg.spec.clone = { cluster: 'src', timestamp: '2024-01-01T00:00:00' };
    pg.spec.resources = { requests: { cpu: '1 core' } };
    expect(validate(pg, config).errors.map((e) => e.field)).toEqual([
      'spec.numberOfInstances', // the CRD schema's minimum, checked first
      'metadata.name',
      'spec.teamId',
      'spec.volume.size',
      'spec.resources.requests.cpu',
      'spec.users.Bad User',
      'spec.users.ok',
      'spec.clone.timestamp',
    ]);
  });

  it('requires the team prefix only when configured', () => {
    const pg = minimal();
    pg.metadata.name = 'other-cluster';
    expect(validate(pg, config).errors).toEqual([]);
    const strict = parseConfigMapData({ enable_team_id_clustername_prefix: 'true' }).config;
    expect(validate(pg, strict).errors[0]?.message).toMatch(/must start with the team id "acid-"/);
  });

  it('warns about a database owner that is not a user, without refusing the manifest', () => {
    const pg = minimal();
    pg.spec.databases = { foo: 'nobody' };
    const v = validate(pg, config);
    expect(v.errors).toEqual([]);
    expect(v.warnings[0]?.field).toBe('spec.databases.foo');
  });
});

describe('manifest types and values, before anything is written', () => {
  const config = defaultConfig();
  type Spec = Record<string, unknown>;
  const check = (change: (spec: Spec, pg: Postgresql) => void) => {
    const pg = minimal();
    change(pg.spec as unknown as Spec, pg);
    return validate(pg, config);
  };
  const line = (list: FieldError[]) => list.map((e) => `${e.field}: ${e.message}`).join('\n');
  /** every message names a field under spec and never leaks JavaScript internals */
  const named = (list: FieldError[]) => {
    for (const e of list) {
      expect(e.field).toMatch(/^(spec|metadata)\b/);
      expect(e.message).not.toMatch(/object Object|is not a function|is not iterable|Cannot read|undefined/);
    }
    return list;
  };

  it('the generated spec schema is the CRD\'s (run node scripts/spec-schema.mjs after changing deploy/crds)', () => {
    expect(readFileSync('src/operator/model/spec-schema.generated.ts', 'utf8')).toBe(renderSpecSchema(specSchema()));
    expect(SPEC_SCHEMA.properties?.numberOfInstances).toEqual({ format: 'int32', minimum: 0, type: 'integer' });
  });

  it('int32 fields beyond 2147483647 and numbers that are no integers', () => {
    const v = named(check((s) => ((s.numberOfInstances = 1e20), (s.patroni = { ttl: 2 ** 31 }), (s.volume = { size: '1Gi', iops: 2.5 }))).errors);
    expect(line(v)).toBe(
      [
        'spec.numberOfInstances: 100000000000000000000 is out of range for int32; use a whole number from -2147483648 to 2147483647',
        'spec.patroni.ttl: 2147483648 is out of range for int32; use a whole number from -2147483648 to 2147483647',
        'spec.volume.iops: must be a whole number (found the number 2.5)',
      ].join('\n'),
    );
  });

  it('wrong types name the field and the fix instead of crashing', () => {
    const v = named(
      check((s) => {
        s.maintenanceWindows = 'Mon:01:00-02:00';
        s.env = { FOO: 'bar' };
        s.sidecars = [{ name: 'side', image: 'x:1', env: [{ value: 'no name' }] }];
        s.postgresql = { version: '15', parameters: { shared_buffers: { size: 1 } } };
        s.users = 'foo';
        s.enableShmVolume = 'yes';
      }).errors,
    );
    expect(v.map((e) => e.field)).toEqual([
      'spec.enableShmVolume',
      'spec.env',
      'spec.maintenanceWindows',
      'spec.postgresql.parameters.shared_buffers',
      'spec.sidecars[0].env[0].name',
      'spec.users',
    ]);
    expect(v.find((e) => e.field === 'spec.maintenanceWindows')?.message).toBe(
      'must be a list; write it as a YAML list, e.g. maintenanceWindows: [ ... ] or one "- item" per line (found the string "Mon:01:00-02:00")',
    );
    expect(v.find((e) => e.field === 'spec.sidecars[0].env[0].name')?.message).toBe('is required; add name to spec.sidecars[0].env[0]');
    expect(v.find((e) => e.field === 'spec.postgresql.parameters.shared_buffers')?.message).toBe('must be a string; quote the value (found a map)');
  });

  it('refuses nesting past the depth limit without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const v = check((s) => (s.nodeAffinity = deep)).errors;
    expect(v).toHaveLength(1);
    expect(v[0]!.field).toMatch(/^spec\.nodeAffinity(\.a)+$/);
    expect(v[0]!.message).toBe('is nested deeper than 1000 levels (the depth limit); flatten it');
  });

  it('collisions and silent drops are warned about, naming the field', () => {
    const v = check((s) => {
      s.users = { zalando: [], foo_user: [], 'foo-user': [], admin: [], postgres: ['superuser'], cron_admin: [] };
    });
    expect(v.errors).toEqual([]);
    expect(line(named(v.warnings))).toBe(
      [
        'spec.users.foo-user: "foo-user" and "foo_user" map to the same Secret "foo-user.acid-minimal-cluster.credentials.postgresql.acid.zalan.do", so "foo-user" gets no credentials; rename one of them',
        'spec.users.admin: "admin" is a protected role (protected_role_names); the manifest entry is skipped',
        'spec.users.postgres: "postgres" is a system role the operator manages; the manifest entry is skipped',
        'spec.users.cron_admin: "cron_admin" is a protected role (protected_role_names); the manifest entry is skipped',
      ].join('\n'),
    );
  });

  it('refuses what a real cluster would refuse later: names, labels and lengths', () => {
    const long = 'r'.repeat(64);
    const v = named(
      check((s) => {
        s.teamId = 'team with spaces';
        s.users = { [long]: [], ['u'.repeat(240)]: [] };
        s.databases = { ['d'.repeat(70)]: 'zalando', postgres: 'zalando', template1: 'zalando' };
        s.sidecars = [{ name: 'postgres', image: 'x:1' }, { name: 'Bad_Name', image: 'x:1' }];
        s.initContainers = [{ name: 'init' }];
        s.tolerations = [{ key: 'k', operator: 'Maybe' }];
        s.schedulerName = 'My Scheduler';
        s.podPriorityClassName = 'Top_Priority';
        s.podAnnotations = { 'bad key!': 'x', 'example.com/ok': 'y' };
      }).errors,
    );
    const fields = v.map((e) => e.field);
    expect(fields).toEqual([
      'spec.teamId',
      `spec.users.${long}`,
      `spec.users.${'u'.repeat(240)}`,
      `spec.users.${'u'.repeat(240)}`,
      `spec.databases.${'d'.repeat(70)}`,
      'spec.databases.postgres',
      'spec.databases.template1',
      'spec.sidecars[0].name',
      'spec.sidecars[1].name',
      'spec.initContainers[0].image',
      'spec.tolerations[0].operator',
      'spec.schedulerName',
      'spec.podPriorityClassName',
      'spec.podAnnotations',
    ]);
    expect(v.find((e) => e.field === 'spec.teamId')?.message).toMatch(/^"team with spaces" is not a valid label value/);
    expect(v.find((e) => e.field === `spec.users.${long}`)?.message).toMatch(/is 64 bytes; PostgreSQL truncates names to 63 bytes/);
    expect(v.filter((e) => e.field === `spec.users.${'u'.repeat(240)}`)[1]?.message).toMatch(/Secret name would be 298 characters; Kubernetes allows 253/);
    expect(v.find((e) => e.field === 'spec.sidecars[0].name')?.message).toBe('"postgres" is already the name of the database container; container names in a pod must differ, rename it');
    expect(v.find((e) => e.field === 'spec.tolerations[0].operator')?.message).toBe('"Maybe" is not a toleration operator; use Exists or Equal');
  });

  it('refuses values that pass the schema but are wrong', () => {
    const v = named(
      check((s) => {
        s.users = { pg_monitor_me: [] };
        s.standby = { standby_host: 'h', standby_port: 'abc' };
        s.clone = { cluster: 'src', timestamp: '2024-02-30T12:00:00+00:00' };
        s.logicalBackupSchedule = '61 25 * * *';
        s.volume = { size: '0' };
        s.patroni = { ttl: -1, maximum_lag_on_failover: -5 };
        s.postgresql = { version: '15', parameters: { '': 'x' } };
      }).errors,
    );
    expect(line(v)).toBe(
      [
        'spec.postgresql.parameters: a parameter has an empty name (value "x"); remove it or name it',
        'spec.patroni.ttl: -1 is negative; use 0 or more (or remove it for Patroni\'s default)',
        'spec.patroni.maximum_lag_on_failover: -5 is negative; use 0 or more (or remove it for Patroni\'s default)',
        'spec.volume.size: "0" is empty; use a size above zero, e.g. 10Gi',
        'spec.users.pg_monitor_me: "pg_monitor_me": role names starting with "pg_" are reserved by PostgreSQL; rename it',
        'spec.clone.timestamp: "2024-02-30T12:00:00+00:00" is not a real date and time; use e.g. 2024-01-31T12:00:00+00:00',
        'spec.standby.standby_port: "abc" is not a port; use a number from 1 to 65535, e.g. "5432"',
        'spec.logicalBackupSchedule: "61 25 * * *": minute 61 is out of range 0-59; use e.g. "30 00 * * *"',
      ].join('\n'),
    );
    expect(check((s) => (s.volume = { size: '5000Pi' })).errors[0]?.message).toMatch(/larger than any volume/);
  });

  it('warns when a request is above its limit (the limit is raised)', () => {
    const v = check((s) => (s.resources = { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } }));
    expect(v.errors).toEqual([]);
    expect(line(v.warnings)).toBe('spec.resources.requests.cpu: "2" is above the limit "1"; the limit is raised to 2; set limits.cpu at least as high');
  });
});

describe('plan', () => {
  const pg = { ...minimal(), metadata: { ...minimal().metadata, namespace: 'default', uid: 'u1' } };
  const config = parseConfigMapData({ kubernetes_use_configmaps: 'true' }).config;
  /** the objects as an API server would store them: with defaults the operator never set */
  const stored = (objs: KubeObj[]): Map<string, KubeObj> => {
    const m = new Map<string, KubeObj>();
    for (const o of structuredClone(objs)) {
      if (o.kind === 'Service') Object.assign(o.spec as object, { clusterIP: '10.0.0.9', sessionAffinity: 'None' });
      if (o.kind === 'StatefulSet') {
        const tpl = (o.spec as { template: { spec: Record<string, unknown> } }).template.spec;
        Object.assign(tpl, { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always' });
        for (const e of (tpl.containers as { env: { value?: string }[] }[])[0]!.env) if (e.value === '') delete e.value;
      }
      m.set(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o);
    }
    return m;
  };
  const view = (m: Map<string, KubeObj>, pods: KubeObj[] = []): LiveView => ({
    get: (kind, ns, name) => m.get(`${kind}/${ns}/${name}`),
    pods: () => pods,
  });

  it('creates everything at first and nothing once it all exists with server defaults', () => {
    const built = buildCluster(pg, parseConfigMapData({ kubernetes_use_configmaps: 'true', wal_s3_bucket: 'b' }).config);
    expect(planCluster(built, view(new Map())).actions.map((a) => a.op)).toEqual(built.objects.map(() => 'create'));
    expect(planCluster(built, view(stored(built.objects))).actions).toEqual([]);
  });

  it('writes a new cluster in two round trips: its objects together, then the StatefulSet; deletes and marks one by one', () => {
    const built = buildCluster({ ...pg, spec: { ...pg.spec, enableLogicalBackup: true } }, parseConfigMapData({ kubernetes_use_configmaps: 'true' }).config);
    const stages = writeStages(planCluster(built, view(new Map())).actions);
    expect(stages).toHaveLength(2);
    expect(stages[0]!.map((a) => a.object.kind)).toEqual(expect.arrayContaining(['Service', 'Secret', 'PodDisruptionBudget', 'CronJob']));
    expect(stages[0]!.some((a) => a.object.kind === 'StatefulSet')).toBe(false);
    expect(stages[1]!.map((a) => a.object.kind)).toEqual(['StatefulSet']);
    expect(stages.flat()).toHaveLength(built.objects.length);

    const sts = built.objects.find((o) => o.kind === 'StatefulSet')!;
    const svc = built.objects.find((o) => o.kind === 'Service')!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-0', namespace: 'default' } } as KubeObj;
    const mixed = writeStages([
      { op: 'delete', object: svc, reason: 'gone' },
      { op: 'patch', object: sts, patch: {}, reason: 'r' },
      { op: 'mark-rolling-update', object: pod, reason: 'old' },
      { op: 'patch', object: svc, patch: {}, reason: 'named twice' },
    ]);
    expect(mixed.map((st) => st.map((a) => a.op))).toEqual([['patch'], ['delete'], ['mark-rolling-update'], ['patch']]);
    expect(mixed[0]![0]!.object.kind).toBe('StatefulSet');
  });

  it('patches replicas without a rolling update, and marks pods whose image is old', () => {
    const live = stored(buildCluster(pg, config).objects);
    const scaled = buildCluster({ ...pg, spec: { ...pg.spec, numberOfInstances: 3 } }, config);
    const plan = planCluster(scaled, view(live));
    expect(plan.actions).toMatchObject([{ op: 'patch', patch: { spec: { replicas: 3 } } }]);
    expect(plan.rollingUpdate).toBe(false);

    const sts = live.get('StatefulSet/default/acid-minimal-cluster')!;
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'acid-minimal-cluster-0', namespace: 'default' }, spec: structuredClone((sts.spec as { template: { spec: object } }).template.spec) } as KubeObj;
    const newImage = buildCluster(pg, parseConfigMapData({ kubernetes_use_configmaps: 'true', docker_image: 'spilo:new' }).config);
    const p2 = planCluster(newImage, view(live, [pod]));
    expect(p2.rollingUpdate).toBe(true);
    expect(p2.actions.map((a) => a.op)).toEqual(['patch', 'mark-rolling-update']);
    expect(p2.actions[1]!.reason).toMatch(/runs ghcr.io\/zalando\/spilo-18:4.1-p2, want spilo:new/);
  });

  it('replaces the StatefulSet when an immutable field moves', () => {
    const live = stored(buildCluster(pg, config).objects);
    const bigger = buildCluster({ ...pg, spec: { ...pg.spec, volume: { size: '5Gi', storageClass: 'fast' } } }, config);
    expect(planCluster(bigger, view(live)).actions.map((a) => a.op)).toEqual(['replace']);
  });

  it('deletes the logical backup CronJob when backups are turned off', () => {
    const on = buildCluster({ ...pg, spec: { ...pg.spec, enableLogicalBackup: true } }, config);
    const plan = planCluster(buildCluster(pg, config), view(stored(on.objects)));
    expect(plan.actions).toMatchObject([{ op: 'delete', object: { kind: 'CronJob', metadata: { name: 'logical-backup-acid-minimal-cluster' } } }]);
  });

  it('never rewrites a Secret whose password differs', () => {
    const live = stored(buildCluster(pg, config).objects);
    for (const o of live.values()) if (o.kind === 'Secret') o.stringData = { username: 'x', password: 'the real one' };
    expect(planCluster(buildCluster(pg, config), view(live)).actions).toEqual([]);
  });

  it('compares quantities by value, but only where Kubernetes keeps quantities', () => {
    expect(contains({ resources: { cpu: '0.5' } }, { resources: { cpu: '500m' } })).toBe(true);
    expect(contains({ resources: { memory: '1Gi' } }, { resources: { memory: '1024Mi' } })).toBe(true);
    expect(contains({ resources: { memory: '1G' } }, { resources: { memory: '1Gi' } })).toBe(false);
    expect(contains({ emptyDir: { sizeLimit: '1Gi' } }, { emptyDir: { sizeLimit: '1024Mi' } })).toBe(true);
    // an env value or a label is a string: "1k" is not "1000"
    expect(contains({ env: [{ name: 'X', value: '1000' }] }, { env: [{ name: 'X', value: '1k' }] })).toBe(false);
    expect(contains({ labels: { size: '0.5' } }, { labels: { size: '500m' } })).toBe(false);
  });
});

describe('status', () => {
  const pod = (name: string, role: string | undefined, ready: boolean) =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: role ? { 'spilo-role': role } : {} }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }) as unknown as KubeObj;
  const now = new Date('2026-01-01T00:00:00Z');
  it('says Creating until the pods and Patroni show a healthy cluster, then Running', () => {
    const s1 = clusterStatus({ previous: undefined, generation: 1, kind: 'create', desiredReplicas: 2, pods: [pod('a-0', undefined, false)], roleLabel: 'spilo-role', now });
    expect(s1.PostgresClusterStatus).toBe('Creating');
    expect(s1.conditions!.find((c) => c.type === 'Ready')!.reason).toBe('NoLeader');
    const s2 = clusterStatus({ previous: s1, generation: 1, kind: 'sync', desiredReplicas: 2, pods: [pod('a-0', 'master', true), pod('a-1', 'replica', true)], roleLabel: 'spilo-role', now });
    expect(s2.PostgresClusterStatus).toBe('Running');
    // later trouble keeps the Zalando word but the condition tells
    const s3 = clusterStatus({ previous: s2, generation: 1, kind: 'sync', desiredReplicas: 2, pods: [pod('a-0', 'master', true), pod('a-1', 'replica', false)], roleLabel: 'spilo-role', now });
    expect(s3.PostgresClusterStatus).toBe('Running');
    expect(s3.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'MembersNotReady', message: '1/2 members ready; leader a-0; a-1: pod not ready' });
  });
});

describe('work queue', () => {
  it('never runs one key twice at once, runs it again if it changed meanwhile, and retries failures', async () => {
    let running = 0;
    let maxRunning = 0;
    const runs: string[] = [];
    let fail = 1;
    const q = new WorkQueue(async (key) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs.push(key);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (key === 'b' && fail-- > 0) throw new Error('boom');
    }, { workers: 4, baseDelayMs: 10 });
    q.add('a');
    q.add('a'); // collapses with the queued one
    await new Promise((r) => setTimeout(r, 5));
    q.add('a'); // arrives while 'a' runs: runs once more afterwards
    q.add('b');
    // b's retry waits on a timer, which idle() does not count: wait for the retry itself, not for a time.
    await eventually('b retried', () => runs.filter((k) => k === 'b').length === 2);
    await q.idle();
    expect(runs.filter((k) => k === 'a')).toHaveLength(2);
    expect(runs.filter((k) => k === 'b')).toHaveLength(2); // failed once, retried
    expect(maxRunning).toBe(2); // a and b in parallel, never a twice
    await q.stop();
  });
});
