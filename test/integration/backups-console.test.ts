// The console's backups services as `zpg` starts them (startConsoleBackups):
// S3 settings resolved from the environment (no operator configuration in
// this API), the feed reading a live cluster's catalog by its real uid, and
// the clone wizard's preview through planCloneManifest: the base backup it
// uses, the manifest with clone.uid, and a time outside the window refused.
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { segmentFromNumber } from '../../src/services/backups/layout.ts';
import { startConsoleBackups, type ConsoleBackups } from '../../src/services/live/backups-console.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { createZpgStore } from '../../src/store/store.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';
import { renderScreen, type Screen } from '../helpers/screen.ts';
import { zpg } from '../helpers/zpg.ts';
import type { TaskRequest } from '../../src/services/tasks/prepare.ts';

const Bucket = 'zpg-console';
/** the bucket one cluster's spec.env names instead of the operator's */
const OtherBucket = 'zpg-other';
const dir = mkdtempSync(join(tmpdir(), 'zpg-bconsole-'));
let server: S3Server;
let s3: S3Client;
let t: TestApi;
let backups: ConsoleBackups | undefined;
let uid = '';
const put = (Key: string, Body = 'x', bucket = Bucket) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));

/** A base backup of `name` and WAL archived after its upload, so that its window has an end. */
async function seedBackup(name: string, clusterUid: string, bucket = Bucket): Promise<void> {
  const p = `spilo/${name}/${clusterUid}/wal/15/`;
  const at = new Date().toISOString();
  const sentinelKey = `${p}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`;
  await put(sentinelKey, JSON.stringify({ LSN: 0x2000028, FinishLSN: 0x2000100, PgVersion: 150004, Version: 2, StartTime: at, FinishTime: at }), bucket);
  for (const n of [2, 3]) await put(`${p}wal_005/${segmentFromNumber(1, BigInt(n))}.br`, 'x', bucket);
  // A window needs WAL archived after the backup's upload (S3 times are whole seconds): archive the next segment until it is.
  const modified = async (Key: string) => (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))).LastModified!.getTime();
  const last = `${p}wal_005/${segmentFromNumber(1, 4n)}.br`;
  const backupAt = await modified(sentinelKey);
  await eventually('WAL archived after the backup', async () => (await put(last, 'x', bucket), (await modified(last)) > backupAt), 30_000, 200);
}

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket, OtherBucket] });
  s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  t = await startTestApi();
  installCrds(t.api.registry);
  const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  const created = (await custom.createNamespacedCustomObject({
    group: 'acid.zalan.do',
    version: 'v1',
    namespace: 'default',
    plural: 'postgresqls',
    body: { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: 'shop' }, spec: { teamId: 'acid', numberOfInstances: 1, volume: { size: '1Gi' }, postgresql: { version: '15' } } },
  })) as { metadata: { uid: string } };
  uid = created.metadata.uid;
  await seedBackup('shop', uid);
}, 120_000);

let screen: Screen | undefined;

afterAll(async () => {
  await screen?.unmount();
  backups?.stop();
  await t?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('console backups', () => {
  it('reads the live cluster by its uid and previews a clone with the base backup it will use', async () => {
    const store = createZpgStore({ name: 't', namespace: 'default', allNamespaces: false });
    store.getState().upsert('postgresqls', { metadata: { name: 'shop', namespace: 'default', uid } } as { metadata: { name: string } });
    const env = { WAL_S3_BUCKET: Bucket, AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };
    backups = startConsoleBackups(store, t.kc, 'default', env);
    const c = await eventually('catalog', () => store.getState().backups.clusters['default/shop']?.catalog, 60_000);
    expect(store.getState().backups.source).toBe(`s3://${Bucket} at ${server.endpoint}`);
    expect(c!.baseBackups.map((b) => b.id)).toEqual(['base_000000010000000000000002']);
    expect(c!.window.to).not.toBeNull();

    const plan = await backups.previewClone({ cluster: 'shop', namespace: 'default', to: 'shop-clone', latest: true });
    expect(plan.baseBackup!.id).toBe('base_000000010000000000000002');
    expect(plan.yaml).toContain(`uid: ${uid}`);
    expect(plan.yaml).toContain('name: shop-clone');
    await expect(backups.previewClone({ cluster: 'shop', namespace: 'default', to: 'shop-clone', time: '2020-01-01T00:00:00Z' })).rejects.toThrow(/--time/);
    // Right after a first backup, before any WAL after its upload: --latest says what to do, not "before the oldest backup".
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    const fresh = (await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: 'default', plural: 'postgresqls', body: { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: 'fresh' }, spec: { teamId: 'acid', numberOfInstances: 1, volume: { size: '1Gi' }, postgresql: { version: '15' } } } })) as { metadata: { uid: string } };
    const p = `spilo/fresh/${fresh.metadata.uid}/wal/15/`;
    for (const n of [2, 3]) await put(`${p}wal_005/${segmentFromNumber(1, BigInt(n))}.br`);
    const at = new Date().toISOString();
    await put(`${p}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, JSON.stringify({ LSN: 0x2000028, FinishLSN: 0x2000100, PgVersion: 150004, Version: 2, StartTime: at, FinishTime: at }));
    // The wizard's preview leads to its apply, which marks the present first: that is the point it shows.
    const marked = await backups.previewClone({ cluster: 'fresh', namespace: 'default', to: 'fresh-clone', latest: true });
    expect(marked.said).toBe('--latest: the present on fresh, marked when the clone is created');
    expect(marked.baseBackup!.id).toBe('base_000000010000000000000002');
    // The CLI's preview without --apply has no such point yet, and says what to do (with --apply it plans as above).
    const cli = await zpg(['--kubeconfig', t.kubeconfig, 'restore', 'clone', 'fresh', '--to', 'fresh-clone', '--latest'], { env });
    expect(cli.stderr).toMatch(/^zpg: --latest: no WAL of fresh is archived after its oldest base backup's upload \(\S+\) yet: run with --apply, which archives the present first, or try again later\n$/);
    expect(cli.code).toBe(2);
    // The wizard's pick of that backup (a second after its upload) is past the archive too: the apply reaches it by
    // marking the present first, so the preview plans it and says so; the CLI without --apply says how to get there.
    const picked = new Date(Date.parse(marked.baseBackup!.modified) + 1000).toISOString();
    await eventually('the picked time is past', () => Date.now() > Date.parse(picked) || undefined, 5_000, 50);
    const pickedPlan = await backups.previewClone({ cluster: 'fresh', namespace: 'default', to: 'fresh-clone', time: picked });
    expect(Date.parse(pickedPlan.instant)).toBe(Date.parse(picked));
    expect(pickedPlan.baseBackup!.id).toBe('base_000000010000000000000002');
    expect(pickedPlan.marksFirst).toBe(true);
    expect(pickedPlan.notes.join('\n')).toMatch(/first marks the present on fresh .* which reaches it/);
    const cliPicked = await zpg(['--kubeconfig', t.kubeconfig, 'restore', 'clone', 'fresh', '--to', 'fresh-clone', '--time', picked], { env });
    expect(cliPicked.stderr).toMatch(/after the end of the restorable window .* run with --apply, which archives the present first/);
    expect(cliPicked.code).toBe(2);
    // a time still to come is refused whatever the apply does
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await expect(backups.previewClone({ cluster: 'fresh', namespace: 'default', to: 'fresh-clone', time: future })).rejects.toThrow(/in the future/);
  }, 120_000);

  it('on screen: the BACKUP column, b with the window, and the clone wizard previewing the real plan up to its request', async () => {
    const store = createZpgStore({ name: 't', namespace: 'default', allNamespaces: false });
    store.getState().apply([{ op: 'upsert', kind: 'postgresqls', obj: { metadata: { name: 'shop', namespace: 'default', uid, creationTimestamp: new Date().toISOString() }, spec: { teamId: 'acid', numberOfInstances: 1 } } as { metadata: { name: string } } }]);
    store.setState({ synced: true });
    const env = { WAL_S3_BUCKET: Bucket, AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };
    backups?.stop();
    backups = startConsoleBackups(store, t.kc, 'default', env);
    const asked: TaskRequest[] = [];
    const b = backups;
    screen = await renderScreen({ store, actions: { setNamespace: () => {}, runTask: (r) => void asked.push(r), previewClone: (a) => b.previewClone(a), refreshBackups: (k) => b.feed.refresh(k) } });
    // the base backup was just taken: its age, no '!'
    await screen.waitFor(/shop\s.*Pending\s+\d+s\s/, 60_000);
    await screen.press('enter', 'b');
    const section = await screen.waitFor('Last base backup', 30_000);
    expect(section).toMatch(/Window \d{4}-\d\d-\d\d \d\d:\d\dZ → /);
    expect(section).toContain('base_000000010000000000000002');
    await screen.press('C');
    await screen.waitFor('restore up to which point?');
    await screen.press('down', 'down', 'enter'); // the base backup
    await screen.waitFor('> shop-clone');
    await screen.press('enter');
    const preview = await screen.waitFor('y / enter: create default/shop-clone', 30_000);
    expect(preview).toContain('base backup base_000000010000000000000002');
    expect(preview).toContain('clone:');
    // the manifest is longer than 80x24 has room for: its end (the source's uid) is a few ↓ away
    await screen.press('down', 'down', 'down', 'down', 'down', 'down', 'down', 'down');
    await screen.waitFor(`uid: ${uid}`);
    await screen.press('y');
    await eventually('clone asked', () => asked.length > 0 || undefined, 10_000);
    // a picked backup means a time one second after its upload: Spilo's clone then takes that backup
    const backup = store.getState().backups.clusters['default/shop'].catalog!.baseBackups[0];
    const req = asked[0] as { kind: string; time: string };
    expect(req).toEqual({ kind: 'clone', cluster: 'shop', to: 'shop-clone', time: expect.any(String), apply: true });
    expect(Date.parse(req.time)).toBe(Date.parse(backup.modified) + 1000);
  }, 180_000);

  it("reads a cluster whose spec.env names another bucket from that bucket, as its pods' WAL-G does, and previews its clone there", async () => {
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    // the operator's bucket comes from its configuration; the environment gives only the endpoint and keys
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'postgres-operator' }, data: { wal_s3_bucket: Bucket } } });
    const spec = { teamId: 'acid', numberOfInstances: 1, volume: { size: '1Gi' }, postgresql: { version: '15' }, env: [{ name: 'WAL_S3_BUCKET', value: OtherBucket }] };
    const own = (await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: 'default', plural: 'postgresqls', body: { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name: 'own' }, spec } })) as { metadata: { uid: string } };
    await seedBackup('own', own.metadata.uid, OtherBucket);
    const store = createZpgStore({ name: 't', namespace: 'default', allNamespaces: false });
    store.getState().upsert('postgresqls', { metadata: { name: 'shop', namespace: 'default', uid } } as { metadata: { name: string } });
    store.getState().upsert('postgresqls', { metadata: { name: 'own', namespace: 'default', uid: own.metadata.uid }, spec } as { metadata: { name: string } });
    const env = { AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };
    backups?.stop();
    backups = startConsoleBackups(store, t.kc, 'default', env);
    const views = () => store.getState().backups.clusters;
    await eventually('both catalogs', () => views()['default/shop']?.catalog && views()['default/own']?.catalog, 60_000);
    expect(store.getState().backups.source).toBe(`s3://${Bucket} at ${server.endpoint}`);
    expect(views()['default/shop'].source).toBeUndefined();
    expect(views()['default/own'].source).toBe(`s3://${OtherBucket} at ${server.endpoint}`);
    expect(views()['default/own'].catalog!.baseBackups.map((b) => b.id)).toEqual(['base_000000010000000000000002']);
    expect(views()['default/own'].catalog!.window.to).not.toBeNull();
    const plan = await backups.previewClone({ cluster: 'own', namespace: 'default', to: 'own-clone', latest: true });
    expect(plan.store).toMatch(new RegExp(`^s3://${OtherBucket} at `));
    expect(plan.yaml).toContain(`uid: ${own.metadata.uid}`);
  }, 120_000);
  it("with no default bucket, reads a cluster whose spec.env names one (from a Secret) and says a cluster without one has none", async () => {
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    // no operator bucket: the ConfigMap of the test before is gone, and the environment names only the endpoint and keys
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'postgres-operator' }).catch(() => undefined);
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'own-s3' }, stringData: { bucket: OtherBucket } } });
    // a cluster deleted long ago whose backups are in that bucket only
    await seedBackup('gone', 'uid-gone', OtherBucket);
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    const own = (await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: 'default', plural: 'postgresqls', name: 'own' })) as { metadata: { uid: string } };
    const store = createZpgStore({ name: 't', namespace: 'default', allNamespaces: false });
    const created = new Date().toISOString();
    const ownSpec = { teamId: 'acid', numberOfInstances: 1, env: [{ name: 'WAL_S3_BUCKET', valueFrom: { secretKeyRef: { name: 'own-s3', key: 'bucket' } } }] };
    store.getState().apply([
      { op: 'upsert', kind: 'postgresqls', obj: { metadata: { name: 'shop', namespace: 'default', uid, creationTimestamp: created }, spec: { teamId: 'acid', numberOfInstances: 1 } } as { metadata: { name: string } } },
      { op: 'upsert', kind: 'postgresqls', obj: { metadata: { name: 'own', namespace: 'default', uid: own.metadata.uid, creationTimestamp: created }, spec: ownSpec } as { metadata: { name: string } } },
    ]);
    store.setState({ synced: true });
    const env = { AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1' };
    backups?.stop();
    backups = startConsoleBackups(store, t.kc, 'default', env);
    const views = () => store.getState().backups.clusters;
    await eventually('own read, shop without a store', () => views()['default/own']?.catalog && views()['default/shop']?.unconfigured, 60_000);
    expect(store.getState().backups.configured).toBe(true);
    expect(views()['default/own'].catalog!.baseBackups.map((b) => b.id)).toEqual(['base_000000010000000000000002']);
    const b = backups;
    await screen?.unmount();
    screen = await renderScreen({ store, actions: { setNamespace: () => {}, runTask: () => {}, previewClone: (a) => b.previewClone(a), refreshBackups: (k) => b.feed.refresh(k) } });
    // the BACKUP column: an age for own, '-' for shop (nothing to read), not "no backup bucket configured" for all
    const list = await screen.waitFor(/own\s.*\s\d+[smh]\s/, 30_000);
    expect(list).toMatch(/shop\s.*\s-\s/);
    await screen.press('B');
    await screen.waitFor("each cluster's own store");
    // deleted clusters are looked for in every store in use, and read where they were found
    const browser = await screen.waitFor(/gone\s+deleted\s+uid-gone\s+\d+s\s/, 30_000);
    expect(browser).toMatch(/shop .*no bucket/);
    expect(browser).toContain('· 1 deleted');
    // shop's own screens say why there is nothing, and what would name its bucket
    await screen.press('esc', 'down', 'enter');
    await screen.waitFor('Backups: no backup bucket configured');
    await screen.press('b');
    const section = await screen.waitFor('in the spec.env of this cluster');
    expect(section).toContain('shop backups');
    // C: no backups to restore from, but a running cluster can be copied (Zalando's clone without a timestamp)
    await screen.press('C');
    const wizard = await screen.waitFor('no backup bucket configured for default/shop: only a copy');
    expect(wizard).toContain('a copy of shop now, from its leader (pg_basebackup)');
    await screen.press('enter');
    await screen.waitFor('name the new cluster');
    await screen.press('enter');
    const preview = await screen.waitFor('copied from the leader of shop with pg_basebackup');
    expect(preview).toContain('a copy now · as default/shop-clone');
    expect(preview).toMatch(/clone:\n\s+cluster: shop\n/);
    expect(preview).not.toContain('timestamp:');
  }, 120_000);

  it('zpg backups without a cluster: every cluster of the namespace from its own store (-A: all), JSON per cluster, exit 1 when a store fails', async () => {
    // (the state the test before left: no default bucket; own's spec.env names OtherBucket through a Secret; shop and fresh name none)
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: 'staging' } } });
    const create = async (name: string, env: k8s.V1EnvVar[]) =>
      ((await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: 'staging', plural: 'postgresqls', body: { apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', metadata: { name }, spec: { teamId: 'acid', numberOfInstances: 1, volume: { size: '1Gi' }, postgresql: { version: '15' }, env } } })) as { metadata: { uid: string } }).metadata.uid;
    await seedBackup('far', await create('far', [{ name: 'WAL_S3_BUCKET', value: Bucket }]));
    await create('broken', [{ name: 'WAL_S3_BUCKET', value: 'zpg-no-such-bucket' }]);
    const env = { AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'us-east-1', XDG_CACHE_HOME: join(dir, 'cli-cache') };
    const here = await zpg(['--kubeconfig', t.kubeconfig, 'backups'], { env });
    expect(here.code).toBe(0);
    const lines = here.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CLUSTER\s+BASE\s+RESTORABLE WINDOW \(UTC\)\s+UP TO\s+LOGICAL\s+NOTE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['fresh', 'own', 'shop']);
    expect(lines[2]).toMatch(/^own\s+\d+s\s+\d{4}-\d\d-\d\d \d\d:\d\dZ → (\d{4}-\d\d-\d\d )?\d\d:\d\dZ\s+\d+s ago\s+-$/);
    expect(lines[3]).toMatch(/^shop\s+-\s+-\s+-\s+-\s+no backup bucket configured/);

    const all = await zpg(['--kubeconfig', t.kubeconfig, 'backups', '-A', '-o', 'json'], { env });
    expect(all.code).toBe(1);
    const entries = JSON.parse(all.stdout) as { cluster: string; namespace: string; walBucket: string | null; baseBackups: { id: string }[]; window: { to: string | null }; error?: string }[];
    expect(entries.map((e) => `${e.namespace}/${e.cluster}`)).toEqual(['default/fresh', 'default/own', 'default/shop', 'staging/broken', 'staging/far']);
    const by = (c: string) => entries.find((e) => e.cluster === c)!;
    expect([by('own').walBucket, by('own').baseBackups.map((b) => b.id), by('own').error]).toEqual([OtherBucket, ['base_000000010000000000000002'], undefined]);
    expect([by('far').walBucket, by('far').window.to !== null]).toEqual([Bucket, true]);
    expect(by('shop').error).toMatch(/^no backup bucket configured/);
    expect(by('broken').error).toMatch(/^S3 s3:\/\/zpg-no-such-bucket .*NoSuchBucket|^S3 s3:\/\/zpg-no-such-bucket .*does not exist/);
    const table = await zpg(['--kubeconfig', t.kubeconfig, 'backups', '-A'], { env });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^NAMESPACE\s+CLUSTER\s+BASE/);
    expect(table.stdout).toMatch(/\nstaging\s+far\s+\d+s\s+\d{4}-/);
    expect(table.stdout).toMatch(/\nstaging\s+broken\s+-\s+-\s+-\s+-\s+S3 s3:\/\/zpg-no-such-bucket/);
    // --bucket is above every cluster's own settings, as for one cluster
    const flagged = JSON.parse((await zpg(['--kubeconfig', t.kubeconfig, 'backups', '--bucket', Bucket, '-o', 'json'], { env })).stdout) as typeof entries;
    expect(flagged.map((e) => [e.cluster, e.walBucket, e.baseBackups.length])).toEqual([['fresh', Bucket, 1], ['own', Bucket, 0], ['shop', Bucket, 1]]);
  }, 120_000);
});
