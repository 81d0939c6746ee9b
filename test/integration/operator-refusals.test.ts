// The daemon refuses, before it writes anything, what a real cluster would
// refuse later or what Zalando's Go types cannot hold (CreateFailed and a
// Warning event naming the field), and warns about collisions and skipped
// roles while it goes on with the rest.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonWorld, type DaemonWorld } from '../helpers/daemon-world.ts';
import { manifest } from '../helpers/operator.ts';
import { eventually } from '../helpers/sandbox.ts';

const NS = 'refusals';
let w: DaemonWorld;
beforeAll(async () => {
  w = await startDaemonWorld(NS);
}, 30_000);
afterAll(async () => w?.stop());

async function apply(name: string, change: (spec: Record<string, unknown>) => void): Promise<void> {
  const m = manifest('minimal-postgres-manifest.yaml', 0, { name, namespace: NS });
  change(m.spec);
  await w.createPg(m);
}
const warnings = async (name: string) =>
  (await w.core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.type === 'Warning').map((e) => e.message ?? '');
const status = async (name: string) =>
  ((await w.custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name })) as { status?: { PostgresClusterStatus?: string } }).status?.PostgresClusterStatus;
const stsExists = (name: string) => w.apps.readNamespacedStatefulSet({ namespace: NS, name }).then(() => true, () => false);

/** CreateFailed, a Warning event containing `text`, and nothing written for the cluster */
async function refused(name: string, text: string): Promise<void> {
  await eventually(`${name}: CreateFailed and a Warning naming the field`, async () => (await status(name)) === 'CreateFailed' && (await warnings(name)).some((m) => m.includes(text)), 15_000, 100);
  expect(await stsExists(name)).toBe(false);
  expect((await w.core.listNamespacedSecret({ namespace: NS, labelSelector: `cluster-name=${name}` })).items).toEqual([]);
}

describe('the daemon refuses before writing', () => {
  it('an int32 field beyond 2147483647 that the API server takes as an int64', async () => {
    await apply('acid-int32', (s) => (s.numberOfInstances = 2 ** 31));
    await refused('acid-int32', 'spec.numberOfInstances: 2147483648 is out of range for int32');
  });

  it('a sidecar named postgres, a bad toleration operator and an init container without an image', async () => {
    await apply('acid-pods', (s) => {
      s.sidecars = [{ name: 'postgres', image: 'busybox:1' }];
      s.tolerations = [{ key: 'k', operator: 'Maybe' }];
      s.initContainers = [{ name: 'init' }];
    });
    await refused('acid-pods', 'spec.sidecars[0].name: "postgres" is already the name of the database container');
    const said = (await warnings('acid-pods')).join('\n');
    expect(said).toContain('spec.tolerations[0].operator: "Maybe" is not a toleration operator; use Exists or Equal');
    expect(said).toContain('spec.initContainers[0].image: is required');
  });

  it('a teamId that is no label value, instead of failing every child create on metadata.labels', async () => {
    await apply('acid-team', (s) => (s.teamId = 'team with spaces'));
    await refused('acid-team', 'spec.teamId: "team with spaces" is not a valid label value');
  });

  it('values that pass the schema but are wrong: pg_ roles, template databases, 30 February, cron 61 25', async () => {
    await apply('acid-wrong', (s) => {
      s.users = { zalando: [], pg_reader: [] };
      s.databases = { template1: 'zalando' };
      s.clone = { cluster: 'acid-source', timestamp: '2024-02-30T12:00:00+00:00' };
      s.logicalBackupSchedule = '61 25 * * *';
    });
    await refused('acid-wrong', 'spec.users.pg_reader');
    const said = (await warnings('acid-wrong')).join('\n');
    for (const field of ['spec.databases.template1', 'spec.clone.timestamp', 'spec.logicalBackupSchedule']) expect(said).toContain(field);
  });
});

describe('the daemon warns and goes on', () => {
  it('two roles mapping to one Secret, and protected roles skipped with a word', async () => {
    await apply('acid-collide', (s) => (s.users = { zalando: [], foo_user: [], 'foo-user': [], admin: [] }));
    await eventually('the cluster to be created', () => stsExists('acid-collide'), 15_000, 100);
    const said = (await warnings('acid-collide')).join('\n');
    expect(said).toContain('spec.users.foo-user: "foo-user" and "foo_user" map to the same Secret "foo-user.acid-collide.credentials.postgresql.acid.zalan.do"');
    expect(said).toContain('spec.users.admin: "admin" is a protected role (protected_role_names); the manifest entry is skipped');
    const secrets = (await w.core.listNamespacedSecret({ namespace: NS, labelSelector: 'cluster-name=acid-collide' })).items.map((x) => x.metadata?.name);
    expect(secrets.filter((n) => n?.startsWith('foo-user.'))).toHaveLength(1);
    expect(secrets.some((n) => n?.startsWith('admin.'))).toBe(false);
  });
});
