// Backup series on /metrics, read through the real catalog from the sandbox's
// S3 (s3rver) with settings taken from the operator configuration, the
// daemon's environment, and each cluster's spec.env and pod environment as the
// sandbox API serves them: base and logical backup ages, WAL archive lag, the
// restorable window's end; nothing without a bucket; a bucket that cannot be
// read says so; a deleted cluster's series go.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperatorConfig } from '../../src/operator/config/keys.ts';
import { defaultConfig } from '../../src/operator/config/parse.ts';
import { Metrics } from '../../src/operator/controller/metrics.ts';
import { BackupHealth, backupStores, type BackupCluster } from '../../src/operator/controller/metrics-backups.ts';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';
import { segmentFromNumber } from '../../src/services/backups/layout.ts';
import { createS3Client } from '../../src/services/s3/client.ts';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

const Bucket = 'zpg-metrics';
/** the bucket one cluster's spec.env names */
const OwnBucket = 'zpg-metrics-own';
const dir = mkdtempSync(join(tmpdir(), 'zpg-metrics-backups-'));
let server: S3Server;
let s3: S3Client;
let env: NodeJS.ProcessEnv;
let t: TestApi;
const put = (Key: string, Body: string | Buffer = '', bucket = Bucket) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
const BASE_FINISHED = new Date(Date.now() - 3 * 3600_000); // three hours ago
const LOGICAL_EPOCH = Math.floor(Date.now() / 1000) - 7200; // two hours ago

const sentinel = (startLsn: number, finishLsn: number, finishTime: string) =>
  JSON.stringify({ LSN: startLsn, FinishLSN: finishLsn, PgVersion: 150004, UncompressedSize: 100, CompressedSize: 50, Version: 2, StartTime: finishTime, FinishTime: finishTime });

const value = (text: string, name: string, cluster: string) => {
  const m = new RegExp(`^${name}\\{namespace="default",cluster="${cluster}"\\} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

function world(config: Partial<OperatorConfig>, clusters: BackupCluster[]) {
  const cfg = { ...defaultConfig('configmap'), ...config } as OperatorConfig;
  const health = new BackupHealth({ clusters: () => clusters, ...backupStores(t.kc, () => cfg, { env }), intervalMs: 60_000 });
  const metrics = new Metrics();
  metrics.use({ backupHealth: () => health.rows() });
  return { health, render: () => metrics.render(), clusters };
}

beforeAll(async () => {
  server = await startS3Server({ directory: dir, buckets: [Bucket, OwnBucket] });
  t = await startTestApi();
  s3 = createS3Client({ endpoint: server.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  env = { AWS_ENDPOINT: server.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  const p = 'spilo/acid-bk/uid-1/wal/15/';
  await put(`${p}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, sentinel(0x2000028, 0x2000100, BASE_FINISHED.toISOString()));
  await put(`${p}basebackups_005/base_000000010000000000000002/tar_partitions/part_001.tar.lz4`, 'tar');
  for (let n = 2; n <= 5; n++) await put(`${p}wal_005/${segmentFromNumber(1, BigInt(n))}.lz4`, 'x');
  await put(`spilo/acid-bk/uid-1/logical_backups/${LOGICAL_EPOCH}.sql.gz`, 'dump');
  const own = 'spilo/acid-own/uid-3/wal/15/';
  await put(`${own}basebackups_005/base_000000010000000000000002_backup_stop_sentinel.json`, sentinel(0x2000028, 0x2000100, BASE_FINISHED.toISOString()), OwnBucket);
  await put(`${own}wal_005/${segmentFromNumber(1, 2n)}.lz4`, 'x', OwnBucket);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('backup metrics', () => {
  it('ages, WAL archive lag and the window end of a cluster with backups', async () => {
    const w = world({ wal_s3_bucket: Bucket }, [{ namespace: 'default', name: 'acid-bk', uid: 'uid-1' }]);
    await w.health.tick();
    const text = await w.render();
    const now = Date.now() / 1000;
    expect(value(text, 'zpg_backup_catalog_up', 'acid-bk')).toBe(1);
    expect(value(text, 'zpg_backup_base_count', 'acid-bk')).toBe(1);
    expect(value(text, 'zpg_backup_base_last_age_seconds', 'acid-bk')).toBeCloseTo(now - BASE_FINISHED.getTime() / 1000, -1);
    expect(value(text, 'zpg_backup_logical_last_age_seconds', 'acid-bk')).toBeCloseTo(now - LOGICAL_EPOCH, -1);
    // the segments were uploaded just now: the archive is current, and the window reaches to about now
    expect(value(text, 'zpg_backup_wal_archive_lag_seconds', 'acid-bk')).toBeLessThan(120);
    expect(Math.abs(value(text, 'zpg_backup_restorable_window_end_timestamp_seconds', 'acid-bk')! - now)).toBeLessThan(120);
  });

  it('a cluster with no backups yet: count 0, no ages', async () => {
    const w = world({ wal_s3_bucket: Bucket }, [{ namespace: 'default', name: 'acid-new', uid: 'uid-2' }]);
    await w.health.tick();
    const text = await w.render();
    expect(value(text, 'zpg_backup_catalog_up', 'acid-new')).toBe(1);
    expect(value(text, 'zpg_backup_base_count', 'acid-new')).toBe(0);
    expect(value(text, 'zpg_backup_base_last_age_seconds', 'acid-new')).toBeUndefined();
    expect(value(text, 'zpg_backup_wal_archive_lag_seconds', 'acid-new')).toBeUndefined();
  });

  it("a cluster whose spec.env names another bucket is read there, as its pods' WAL-G writes", async () => {
    const own = { namespace: 'default', name: 'acid-own', uid: 'uid-3' };
    const w = world({ wal_s3_bucket: Bucket }, [{ ...own, env: [{ name: 'WAL_S3_BUCKET', value: OwnBucket }, { name: 'BACKUP_SCHEDULE', value: '00 1 * * *' }] }, { namespace: 'default', name: 'acid-bk', uid: 'uid-1' }]);
    await w.health.tick();
    const text = await w.render();
    expect(value(text, 'zpg_backup_catalog_up', 'acid-own')).toBe(1);
    expect(value(text, 'zpg_backup_base_count', 'acid-own')).toBe(1);
    expect(value(text, 'zpg_backup_base_last_age_seconds', 'acid-own')).toBeCloseTo(Date.now() / 1000 - BASE_FINISHED.getTime() / 1000, -1);
    // the others stay on the operator's bucket
    expect(value(text, 'zpg_backup_base_count', 'acid-bk')).toBe(1);
    // without its env, the operator's bucket has none of its backups
    const plain = world({ wal_s3_bucket: Bucket }, [own]);
    await plain.health.tick();
    expect(value(await plain.render(), 'zpg_backup_base_count', 'acid-own')).toBe(0);
  });

  it("a bucket its spec.env takes from a Secret, as the pod's env resolves it", async () => {
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'acid-own-s3' }, stringData: { bucket: OwnBucket } } });
    const own = { namespace: 'default', name: 'acid-own', uid: 'uid-3' };
    const w = world({ wal_s3_bucket: Bucket }, [{ ...own, env: [{ name: 'WAL_S3_BUCKET', valueFrom: { secretKeyRef: { name: 'acid-own-s3', key: 'bucket' } } }] }]);
    await w.health.tick();
    const text = await w.render();
    expect(value(text, 'zpg_backup_catalog_up', 'acid-own')).toBe(1);
    expect(value(text, 'zpg_backup_base_count', 'acid-own')).toBe(1);
    // without the Secret (its pods could not start either) the operator's bucket is read, where it has none
    const missing = world({ wal_s3_bucket: Bucket }, [{ ...own, env: [{ name: 'WAL_S3_BUCKET', valueFrom: { secretKeyRef: { name: 'no-such-secret', key: 'bucket' } } }] }]);
    await missing.health.tick();
    expect(value(await missing.render(), 'zpg_backup_base_count', 'acid-own')).toBe(0);
  });

  it("the namespace's pod environment (pod_environment_configmap) names the bucket, with no wal_s3_bucket configured", async () => {
    const core = t.kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'pod-env' }, data: { WAL_S3_BUCKET: OwnBucket } } });
    const w = world({ wal_s3_bucket: '', pod_environment_configmap: 'pod-env' }, [{ namespace: 'default', name: 'acid-own', uid: 'uid-3' }]);
    await w.health.tick();
    const text = await w.render();
    expect(value(text, 'zpg_backup_catalog_up', 'acid-own')).toBe(1);
    expect(value(text, 'zpg_backup_base_count', 'acid-own')).toBe(1);
  });

  it('no WAL bucket configured: no S3 reads, no backup series', async () => {
    const w = world({ wal_s3_bucket: '' }, [{ namespace: 'default', name: 'acid-bk', uid: 'uid-1' }]);
    await w.health.tick();
    expect(await w.render()).not.toMatch(/^zpg_backup_\w+\{/m);
  });

  it('a bucket that cannot be read: catalog_up 0', async () => {
    const w = world({ wal_s3_bucket: 'no-such-bucket' }, [{ namespace: 'default', name: 'acid-bk', uid: 'uid-1' }]);
    await w.health.tick();
    expect(value(await w.render(), 'zpg_backup_catalog_up', 'acid-bk')).toBe(0);
  });

  it("a deleted cluster's backup series go with it", async () => {
    const w = world({ wal_s3_bucket: Bucket }, [{ namespace: 'default', name: 'acid-bk', uid: 'uid-1' }]);
    await w.health.tick();
    expect(value(await w.render(), 'zpg_backup_base_count', 'acid-bk')).toBe(1);
    w.clusters.length = 0;
    await w.health.tick();
    expect(await w.render()).not.toContain('cluster="acid-bk"');
  });
});
