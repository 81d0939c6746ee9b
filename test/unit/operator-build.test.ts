// The pure builders against every Zalando example manifest: whole-output
// golden files (test/golden, reviewed when they change) plus the facts the
// reference pins down (zalando-operator.md §2): names, labels, env order,
// SPILO_CONFIGURATION, PDBs, resources, clone and standby env.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildCluster, type KubeObj } from '../../src/operator/build/cluster.ts';
import { defaultConfig, parseConfigMapData } from '../../src/operator/config/parse.ts';
import type { OperatorConfig } from '../../src/operator/config/keys.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { render } from '../../src/operator/render.ts';
import { fixturePath, loadFixture } from '../helpers/fixtures.ts';

const MANIFESTS = [
  'minimal-postgres-manifest.yaml',
  'minimal-postgres-lowest-version-manifest.yaml',
  'complete-postgres-manifest.yaml',
  'complete-postgres-manifest.v1.15.1.yaml',
  'standby-manifest.yaml',
  'standby-variants.yaml',
  'clone-basebackup-manifest.yaml',
  'clone-from-s3-manifest.yaml',
  'clone-from-s3-custom-endpoint-manifest.yaml',
];
const configMap = (data: Record<string, string> = {}) => {
  const cm = loadFixture('configmap.yaml')[0] as unknown as { data: Record<string, string> };
  const parsed = parseConfigMapData({ ...cm.data, ...data });
  expect(parsed.problems).toEqual([]);
  return parsed.config;
};
const pg = (name: string, i = 0) => ({ ...(loadFixture(name)[i] as unknown as Postgresql), metadata: { ...(loadFixture(name)[i]!.metadata as object), uid: '1f2e3d4c-0000-4000-8000-000000000001' } }) as Postgresql;
const byKind = (objs: KubeObj[], kind: string) => objs.filter((o) => o.kind === kind);
type Container = { name: string; env: { name: string; value?: string; valueFrom?: unknown }[]; resources: unknown; volumeMounts: { name: string }[] };
const spilo = (objs: KubeObj[]) => {
  const sts = byKind(objs, 'StatefulSet')[0] as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  return sts.spec.template.spec.containers[0]!;
};
const envOf = (objs: KubeObj[]) => Object.fromEntries(spilo(objs).env.map((e) => [e.name, e.value ?? e.valueFrom]));

describe('golden output for every fixture manifest', () => {
  for (const file of MANIFESTS) {
    for (const [label, config] of [['defaults', () => defaultConfig()], ['configmap', () => configMap()]] as [string, () => OperatorConfig][]) {
      it(`${file} under ${label}`, async () => {
        const docs = loadFixture(file).map((d) => ({ ...d, metadata: { ...d.metadata, uid: '1f2e3d4c-0000-4000-8000-000000000001' } }));
        const out = render(docs, config(), file);
        const text = out.objects.map((o) => stringify(o, { aliasDuplicateObjects: false, lineWidth: 0 })).join('---\n');
        await expect(text).toMatchFileSnapshot(`../golden/${file.replace(/\.yaml$/, '')}.${label}.yaml`);
      });
    }
  }
});

describe('objects for acid-minimal-cluster (reference §2.2)', () => {
  const built = buildCluster(pg('minimal-postgres-manifest.yaml'), configMap());
  const names = built.objects.map((o) => `${o.kind}/${o.metadata.name}`);

  it('creates the Zalando inventory with Zalando names', () => {
    expect(names).toEqual([
      'Endpoints/acid-minimal-cluster',
      'Service/acid-minimal-cluster',
      'Service/acid-minimal-cluster-repl',
      'Secret/postgres.acid-minimal-cluster.credentials.postgresql.acid.zalan.do',
      'Secret/standby.acid-minimal-cluster.credentials.postgresql.acid.zalan.do',
      'Secret/zalando.acid-minimal-cluster.credentials.postgresql.acid.zalan.do',
      'Secret/foo-user.acid-minimal-cluster.credentials.postgresql.acid.zalan.do',
      'PodDisruptionBudget/postgres-acid-minimal-cluster-pdb',
      'PodDisruptionBudget/postgres-acid-minimal-cluster-critical-op-pdb',
      'StatefulSet/acid-minimal-cluster',
    ]);
  });

  it('keeps the master Service selector-less in Endpoints mode and selects by role in ConfigMap mode', () => {
    const master = (objs: KubeObj[]) => byKind(objs, 'Service')[0] as unknown as { spec: { selector?: object } };
    expect(master(built.objects).spec.selector).toBeUndefined();
    const cmMode = buildCluster(pg('minimal-postgres-manifest.yaml'), configMap({ kubernetes_use_configmaps: 'true' }));
    expect(master(cmMode.objects).spec.selector).toEqual({ application: 'spilo', 'cluster-name': 'acid-minimal-cluster', 'spilo-role': 'master' });
    expect(cmMode.objects.some((o) => o.kind === 'Endpoints')).toBe(false);
  });

  it('labels objects with the team and selects pods without it', () => {
    const sts = byKind(built.objects, 'StatefulSet')[0] as unknown as { metadata: { labels: object }; spec: { selector: { matchLabels: object }; updateStrategy: object; volumeClaimTemplates: { metadata: { name: string } }[] } };
    expect(sts.metadata.labels).toEqual({ application: 'spilo', 'cluster-name': 'acid-minimal-cluster', team: 'acid' });
    expect(sts.spec.selector.matchLabels).toEqual({ application: 'spilo', 'cluster-name': 'acid-minimal-cluster' });
    expect(sts.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(sts.spec.volumeClaimTemplates.map((v) => v.metadata.name)).toEqual(['pgdata']);
  });

  it('writes the Spilo env in Zalando order', () => {
    expect(spilo(built.objects).env.map((e) => e.name)).toEqual([
      'SCOPE', 'PGROOT', 'POD_IP', 'POD_NAMESPACE', 'PGUSER_SUPERUSER', 'KUBERNETES_SCOPE_LABEL', 'KUBERNETES_ROLE_LABEL',
      'PGPASSWORD_SUPERUSER', 'PGUSER_STANDBY', 'PGPASSWORD_STANDBY', 'PAM_OAUTH2', 'HUMAN_ROLE', 'ENABLE_WAL_PATH_COMPAT',
      'PGVERSION', 'KUBERNETES_LABELS', 'SPILO_CONFIGURATION', 'DCS_ENABLE_KUBERNETES_API', 'KUBERNETES_BOOTSTRAP_LABELS',
    ]);
    expect(envOf(built.objects).SPILO_CONFIGURATION).toBe('{"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"}],"dcs":{}}}');
  });

  it('selects the master for the primary PDB and critical-operation pods for the other', () => {
    const [primary, critical] = byKind(built.objects, 'PodDisruptionBudget') as unknown as { spec: Record<string, unknown> }[];
    expect(primary!.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { application: 'spilo', 'cluster-name': 'acid-minimal-cluster', 'spilo-role': 'master' } } });
    expect(critical!.spec).toEqual({ maxUnavailable: 0, selector: { matchLabels: { application: 'spilo', 'cluster-name': 'acid-minimal-cluster', 'critical-operation': 'true' } } });
  });
});

describe('the complete manifest', () => {
  it('produces the SPILO_CONFIGURATION string Zalando produces (reference §2.6)', () => {
    const built = buildCluster(pg('complete-postgres-manifest.yaml'), configMap());
    expect(envOf(built.objects).SPILO_CONFIGURATION).toBe(
      '{"postgresql":{"parameters":{"shared_buffers":"32MB"}},"bootstrap":{"initdb":[{"auth-host":"scram-sha-256"},{"auth-local":"trust"},"data-checksums",{"encoding":"UTF8"},{"locale":"en_US.UTF-8"}],"dcs":{"ttl":30,"loop_wait":10,"retry_timeout":10,"maximum_lag_on_failover":33554432,"synchronous_node_count":1,"postgresql":{"parameters":{"log_statement":"all","max_connections":"10"}},"failsafe_mode":false}}}',
    );
  });

  it('gives prepared-database default users secrets and mounts additional volumes', () => {
    const built = buildCluster(pg('complete-postgres-manifest.yaml'), configMap());
    const secrets = byKind(built.objects, 'Secret').map((s) => s.metadata.name.split('.')[0]);
    expect(secrets).toEqual(['postgres', 'standby', 'zalando', 'foo-user', 'bar-owner-user', 'bar-reader-user', 'bar-writer-user']);
    expect(spilo(built.objects).volumeMounts.map((m) => m.name)).toEqual(['pgdata', 'dshm', 'empty']);
  });

  it('gives a Secret two roles map to only to the first of them: the other gets no credentials', () => {
    const base = pg('minimal-postgres-manifest.yaml');
    const built = buildCluster({ ...base, spec: { ...base.spec, users: { foo_user: [], 'foo-user': [] } } }, configMap());
    const foo = byKind(built.objects, 'Secret').filter((s) => s.metadata.name.startsWith('foo-user.'));
    // two Secrets of one name, one per role, made the sync rewrite it for each role in turn, a new password each time
    expect(foo.map((s) => (s as unknown as { stringData: { username: string } }).stringData.username)).toEqual(['foo_user']);
  });

  it('reads the v1.15.1 spellings: useLoadBalancer and init_containers land in the v2 fields', () => {
    const v1 = pg('complete-postgres-manifest.v1.15.1.yaml');
    const spec = v1.spec as Record<string, unknown>;
    const built = buildCluster({ ...v1, spec: { ...spec, useLoadBalancer: true, enableMasterLoadBalancer: undefined } } as Postgresql, configMap());
    const master = byKind(built.objects, 'Service')[0] as unknown as { spec: { type: string; loadBalancerSourceRanges: string[] } };
    expect(master.spec.type).toBe('LoadBalancer');
    expect(master.spec.loadBalancerSourceRanges).toEqual(['127.0.0.1/32']);
    const both = buildCluster({ ...v1, spec: { ...spec, useLoadBalancer: true, enableMasterLoadBalancer: false } } as Postgresql, configMap());
    expect((byKind(both.objects, 'Service')[0] as unknown as { spec: { type: string } }).spec.type).toBe('ClusterIP');
  });
});

describe('resources (upstream e2e test_resource_generation)', () => {
  it('raises limits to the minimum, sets the memory request to the limit and caps it at the maximum', () => {
    const config = configMap({ max_memory_request: '300Mi', min_cpu_limit: '503m', min_memory_limit: '502Mi', set_memory_request_to_limit: 'true' });
    const m = pg('minimal-postgres-manifest.yaml');
    m.spec.resources = { requests: { cpu: '10m', memory: '50Mi' }, limits: { cpu: '200m', memory: '200Mi' } };
    const built = buildCluster(m, config);
    expect(spilo(built.objects).resources).toEqual({ requests: { cpu: '10m', memory: '300Mi' }, limits: { cpu: '503m', memory: '502Mi' } });
    expect(built.warnings.join('\n')).toMatch(/cpu limit 200m is below required minimum 503m/);
  });
});

describe('clone and standby env (reference §6)', () => {
  it('clones from S3 with the endpoint, keys and path style', () => {
    const env = envOf(buildCluster(pg('clone-from-s3-custom-endpoint-manifest.yaml'), configMap()).objects);
    expect(env).toMatchObject({
      CLONE_SCOPE: 'acid-minimal-cluster',
      CLONE_WALE_S3_PREFIX: 's3://custom/path/to/bucket',
      CLONE_METHOD: 'CLONE_WITH_WALE',
      CLONE_TARGET_TIME: '2025-12-19T12:40:33+01:00',
      CLONE_AWS_ENDPOINT: 'https://s3.acme.org',
      CLONE_WALE_S3_ENDPOINT: 'https://s3.acme.org',
      CLONE_AWS_S3_FORCE_PATH_STYLE: '1',
    });
  });

  it('clones a running cluster with a base backup using the source standby secret', () => {
    const env = envOf(buildCluster(pg('clone-basebackup-manifest.yaml'), configMap()).objects);
    expect(env.CLONE_METHOD).toBe('CLONE_WITH_BASEBACKUP');
    expect(env.CLONE_PASSWORD).toEqual({ secretKeyRef: { name: `standby.${env.CLONE_HOST}.credentials.postgresql.acid.zalan.do`, key: 'password' } });
  });

  it('streams a standby from a bucket with WAL-E method env', () => {
    const env = envOf(buildCluster(pg('standby-variants.yaml', 0), configMap()).objects);
    expect(env).toMatchObject({ STANDBY_METHOD: 'STANDBY_WITH_WALE', STANDBY_WALE_S3_PREFIX: expect.stringMatching(/^s3:\/\//), STANDBY_WAL_BUCKET_SCOPE_PREFIX: '' });
  });

  it('puts WAL buckets under the cluster uid', () => {
    const env = envOf(buildCluster(pg('minimal-postgres-manifest.yaml'), configMap({ wal_s3_bucket: 'wal' })).objects);
    expect(env).toMatchObject({ WAL_S3_BUCKET: 'wal', WAL_BUCKET_SCOPE_SUFFIX: '/1f2e3d4c-0000-4000-8000-000000000001', WAL_BUCKET_SCOPE_PREFIX: '' });
  });
});

describe('env dedup, options and clamps', () => {
  it('lets the first of two names win, case-insensitively, and keeps manifest env after the operator env', () => {
    const m = pg('minimal-postgres-manifest.yaml');
    m.spec.env = [{ name: 'scope', value: 'x' }, { name: 'AWS_ENDPOINT', value: 'http://s3' }, { name: 'aws_endpoint', value: 'y' }];
    const env = spilo(buildCluster(m, configMap({ wal_s3_bucket: 'wal' })).objects).env.map((e) => e.name);
    expect(env.filter((n) => n.toUpperCase() === 'SCOPE')).toEqual(['SCOPE']);
    expect(env.filter((n) => n.toUpperCase() === 'AWS_ENDPOINT')).toEqual(['AWS_ENDPOINT']);
    expect(env.indexOf('AWS_ENDPOINT')).toBeLessThan(env.indexOf('WAL_S3_BUCKET'));
  });

  it('clamps replicas by min/max_instances unless the ignore annotation says so', () => {
    const m = pg('minimal-postgres-manifest.yaml');
    m.spec.numberOfInstances = 9;
    const replicas = (o: KubeObj[]) => (byKind(o, 'StatefulSet')[0] as unknown as { spec: { replicas: number } }).spec.replicas;
    expect(replicas(buildCluster(m, configMap({ max_instances: '3' })).objects)).toBe(3);
    m.metadata.annotations = { 'skip-limits': 'true' };
    expect(replicas(buildCluster(m, configMap({ max_instances: '3', ignore_instance_limits_annotation_key: 'skip-limits' })).objects)).toBe(9);
  });

  it('owns every object when enable_owner_references is set', () => {
    const built = buildCluster(pg('minimal-postgres-manifest.yaml'), configMap({ enable_owner_references: 'true' }));
    for (const o of built.objects) expect(o.metadata.ownerReferences).toEqual([{ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', name: 'acid-minimal-cluster', uid: '1f2e3d4c-0000-4000-8000-000000000001', controller: true }]);
  });

  it('names the logical backup CronJob with the prefix and gives it the backup application label', () => {
    const m = pg('minimal-postgres-manifest.yaml');
    m.spec.enableLogicalBackup = true;
    m.spec.logicalBackupSchedule = '7 7 7 7 *';
    const job = byKind(buildCluster(m, configMap()).objects, 'CronJob')[0] as unknown as { metadata: { name: string; labels: Record<string, string> }; spec: { schedule: string } };
    expect(job.metadata.name).toBe('logical-backup-acid-minimal-cluster');
    expect(job.metadata.labels.application).toBe('spilo-logical-backup');
    expect(job.spec.schedule).toBe('7 7 7 7 *');
  });

  it('never puts a password into a built Secret', () => {
    const built = buildCluster(pg('complete-postgres-manifest.yaml'), configMap());
    for (const s of byKind(built.objects, 'Secret')) expect((s as unknown as { stringData: { password: string } }).stringData.password).toBe('<generated on create>');
  });
});

it('the fixture files are the ones the goldens were made from', () => {
  expect(readFileSync(fixturePath('minimal-postgres-manifest.yaml'), 'utf8')).toContain('acid-minimal-cluster');
});
