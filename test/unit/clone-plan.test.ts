// The clone's pure parts: the times people type (with and without a zone, DST
// gaps and repeats, impossible dates), the base backup Spilo would pick, the
// manifest against Zalando's documented clone examples, and where the S3
// settings come from (flags > env > the cluster's spec.env > the operator's
// configuration), with no secret in any description.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfigMapData } from '../../src/operator/config/parse.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { validate } from '../../src/operator/model/validate.ts';
import { backupConfig, clusterManifest, OPERATOR_CONFIG } from '../../src/sandbox/demo/samples.ts';
import type { BaseBackup } from '../../src/services/backups/base-backups.ts';
import { badClusterName, buildCloneManifest } from '../../src/services/backups/clone-manifest.ts';
import { pickBaseBackup } from '../../src/services/backups/clone-plan.ts';
import { parseTargetTime } from '../../src/services/backups/clone-time.ts';
import { describeStore, resolveBackupS3 } from '../../src/services/backups/s3-settings.ts';
import { BadInput } from '../../src/services/tasks/types.ts';

const FIXTURES = '/work/shared/fixtures/zalando';
const fixture = (name: string) => parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')) as { metadata: { name: string }; spec: Record<string, unknown> & { clone: Record<string, unknown> } };
const refused = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(BadInput);
    return (e as Error).message;
  }
  throw new Error('not refused');
};

describe('clone target time', () => {
  it('takes RFC 3339 with an offset or Z and keeps the offset Spilo needs', () => {
    const t = parseTargetTime('2026-12-05T10:00:00+01:00');
    expect(t.instant.toISOString()).toBe('2026-12-05T09:00:00.000Z');
    expect(t.rfc3339).toBe('2026-12-05T10:00:00+01:00');
    expect(t.said).toBe('2026-12-05 10:00 (UTC+01:00) means 2026-12-05T09:00:00Z');
    const z = parseTargetTime('2026-12-05 09:00:00.25Z');
    expect(z.rfc3339).toBe('2026-12-05T09:00:00.250+00:00');
    expect(parseTargetTime('2026-12-05T10:00-0530').instant.toISOString()).toBe('2026-12-05T15:30:00.000Z');
  });

  it('reads a time without a zone as local wall-clock time and says which instant that is', () => {
    const winter = parseTargetTime('2026-12-05 10:00', { timeZone: 'Europe/Berlin' });
    expect(winter.rfc3339).toBe('2026-12-05T10:00:00+01:00');
    expect(winter.said).toContain('Europe/Berlin');
    expect(winter.said).toContain('means 2026-12-05T09:00:00Z');
    const summer = parseTargetTime('2026-07-01T10:00', { timeZone: 'Europe/Berlin' });
    expect(summer.rfc3339).toBe('2026-07-01T10:00:00+02:00');
    expect(parseTargetTime('2026-12-05 10:00', { timeZone: 'UTC' }).rfc3339).toBe('2026-12-05T10:00:00+00:00');
  });

  it('refuses local times that daylight saving time skips or repeats, naming the offsets', () => {
    expect(refused(() => parseTargetTime('2026-03-29 02:30', { timeZone: 'Europe/Berlin' }))).toMatch(/^--time 2026-03-29 02:30: .*does not exist in Europe\/Berlin/);
    const twice = refused(() => parseTargetTime('2026-10-25 02:30', { timeZone: 'Europe/Berlin' }));
    expect(twice).toContain('happens twice');
    expect(twice).toContain('2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00');
    // With an offset the same wall-clock time is fine.
    expect(parseTargetTime('2026-10-25T02:30:00+01:00').instant.toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('refuses impossible dates and times, and words, with the flag in the message', () => {
    expect(refused(() => parseTargetTime('2026-02-30 10:00'))).toBe('--time 2026-02-30 10:00: 2026-02 has 28 days, not 30');
    expect(parseTargetTime('2028-02-29T00:00:00Z').instant.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(refused(() => parseTargetTime('2026-13-01T00:00:00Z'))).toContain('no month 13');
    expect(refused(() => parseTargetTime('2026-12-05T24:00:00Z'))).toContain('not a time of day');
    expect(refused(() => parseTargetTime('yesterday', { flag: '--time' }))).toMatch(/^--time "yesterday": not a time; use e\.g\./);
  });
});

const backup = (id: string, prefix: string, modified: string): BaseBackup => ({ id, kind: 'base', format: 'wal-g', prefix, timeline: 1, startSegment: id.slice(5), finishTime: modified, modified });

describe('base backup choice (as Spilo\'s clone_with_wale picks)', () => {
  const v15 = 'spilo/a/u/wal/15/';
  const v14 = 'spilo/a/u/wal/14/';
  const c = {
    walPrefixes: [v15, v14],
    baseBackups: [
      backup('base_000000010000000000000002', v14, '2026-12-01T00:00:00Z'),
      backup('base_000000010000000000000004', v15, '2026-12-02T00:00:00Z'),
      backup('base_000000010000000000000008', v15, '2026-12-03T00:00:00Z'),
    ],
  };
  it('takes the newest backup uploaded strictly before the time, in the newest version first', () => {
    expect(pickBaseBackup(c, new Date('2026-12-02T12:00:00Z'))?.id).toBe('base_000000010000000000000004');
    expect(pickBaseBackup(c, new Date('2026-12-04T00:00:00Z'))?.id).toBe('base_000000010000000000000008');
    // Exactly at a backup's upload time that backup is not "before".
    expect(pickBaseBackup(c, new Date('2026-12-03T00:00:00Z'))?.id).toBe('base_000000010000000000000004');
    // Before every 15 backup: the older major's, as Spilo falls back down the versions.
    expect(pickBaseBackup(c, new Date('2026-12-01T12:00:00Z'))?.id).toBe('base_000000010000000000000002');
    expect(pickBaseBackup(c, new Date('2026-11-30T00:00:00Z'))).toBeUndefined();
  });
});

const config = parseConfigMapData({ ...OPERATOR_CONFIG, ...backupConfig({ endpoint: 'http://127.0.0.1:9000', bucket: 'zpg-demo' }) }).config as unknown as Record<string, unknown>;
const secretEnv = {
  where: 'spec.env of default/acid-demo',
  values: { AWS_ENDPOINT: 'http://127.0.0.1:9000', AWS_REGION: 'us-east-1', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'KEYID', AWS_SECRET_ACCESS_KEY: 'TOPSECRET' },
  refs: { AWS_ACCESS_KEY_ID: { name: 'zpg-demo-s3', key: 'AWS_ACCESS_KEY_ID' }, AWS_SECRET_ACCESS_KEY: { name: 'zpg-demo-s3', key: 'AWS_SECRET_ACCESS_KEY' } },
};

describe('backup S3 settings', () => {
  it('reads the operator configuration and the cluster\'s spec.env, saying where each setting came from and never a key', () => {
    const r = resolveBackupS3({ env: {}, operatorConfig: { where: 'ConfigMap zpg-system/postgres-operator', config }, clusterEnv: secretEnv });
    expect(r.wal.bucket).toBe('zpg-demo');
    expect(r.wal.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', forcePathStyle: true, accessKeyId: 'KEYID', secretAccessKey: 'TOPSECRET' });
    expect(r.wal.from.bucket).toBe('ConfigMap zpg-system/postgres-operator wal_s3_bucket');
    expect(r.wal.from.endpoint).toBe('spec.env of default/acid-demo AWS_ENDPOINT');
    expect(r.wal.credentialRefs?.accessKeyId).toEqual({ name: 'zpg-demo-s3', key: 'AWS_ACCESS_KEY_ID' });
    expect(r.logical).toMatchObject({ bucket: 'zpg-demo', prefix: 'spilo' });
    expect(r.logical.s3.endpoint).toBe('http://127.0.0.1:9000');
    const said = describeStore(r.wal);
    expect(said).toContain('s3://zpg-demo at http://127.0.0.1:9000');
    expect(said).not.toContain('TOPSECRET');
    expect(said).not.toContain('KEYID');
  });

  it('lets flags win over env, env over the cluster, the cluster over the configuration', () => {
    const operatorConfig = { where: 'ConfigMap ns/po', config };
    const fromEnv = resolveBackupS3({ env: { WAL_S3_BUCKET: 'env-bucket', AWS_ENDPOINT: 'http://env:1' }, operatorConfig, clusterEnv: secretEnv });
    expect([fromEnv.wal.bucket, fromEnv.wal.s3.endpoint, fromEnv.wal.from.endpoint]).toEqual(['env-bucket', 'http://env:1', 'env AWS_ENDPOINT']);
    const fromFlags = resolveBackupS3({ flags: { bucket: 'flag-bucket', endpoint: 'http://flag:2' }, env: { WAL_S3_BUCKET: 'env-bucket' }, operatorConfig, clusterEnv: secretEnv });
    expect([fromFlags.wal.bucket, fromFlags.wal.from.bucket, fromFlags.wal.from.endpoint]).toEqual(['flag-bucket', '--bucket', '--endpoint']);
    // Spilo's WALE_S3_ENDPOINT spelling, protocol+path://
    const wale = resolveBackupS3({ env: { WAL_S3_BUCKET: 'b', WALE_S3_ENDPOINT: 'http+path://127.0.0.1:9000' } });
    expect(wale.wal.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true });
    // No configuration, no env: AWS with the default chain.
    const bare = resolveBackupS3({ flags: { bucket: 'b' } });
    expect(bare.wal.s3.endpoint).toBeUndefined();
    expect(bare.wal.from.credentials).toContain('AWS chain');
  });

  it('reaches the bucket with the logical backup settings when WAL and logical backups share it (zpg backups --deleted)', () => {
    const r = resolveBackupS3({ env: {}, operatorConfig: { where: 'ConfigMap ns/po', config, logicalEnv: { where: 'Secret default/zpg-demo-s3', values: { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'B' } } } });
    expect(r.wal.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true, accessKeyId: 'A', secretAccessKey: 'B' });
    expect(r.wal.from.endpoint).toBe('ConfigMap ns/po logical_backup_s3_endpoint');
  });
});

describe('clone manifest', () => {
  const s3 = resolveBackupS3({ env: {}, operatorConfig: { where: 'ConfigMap ns/po', config }, clusterEnv: secretEnv });
  const source = clusterManifest({ name: 'acid-demo', instances: 3 }) as { spec: Record<string, unknown> };

  it('has Zalando\'s clone section (cluster, uid, timestamp with offset) and the source\'s essentials, and the operator accepts it', () => {
    const m = buildCloneManifest({ name: 'acid-demo-clone', namespace: 'default', source: { cluster: 'acid-minimal-cluster', uid: 'efd12e58-5786-11e8-b5a7-06148230260c', spec: source.spec }, timestamp: '2025-12-19T12:40:33+01:00', s3: resolveBackupS3({ env: {}, operatorConfig: { where: 'x', config: { wal_s3_bucket: 'zpg-demo' } } }) }) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    const zalando = fixture('clone-from-s3-manifest.yaml');
    expect(m.spec.clone).toEqual({ ...zalando.spec.clone });
    expect(Object.keys(m.spec.clone as object).sort()).toEqual(Object.keys(zalando.spec.clone).sort());
    expect(m.metadata).toEqual({ name: 'acid-demo-clone', namespace: 'default' });
    for (const k of ['teamId', 'numberOfInstances', 'volume', 'postgresql', 'users', 'databases', 'patroni']) expect(m.spec[k]).toEqual(source.spec[k]);
    expect(validate(m as unknown as Postgresql, parseConfigMapData(OPERATOR_CONFIG).config).errors).toEqual([]);
  });

  it('spells out the S3 settings for a store that is not AWS, as Zalando\'s custom-endpoint example, with keys from the Secret instead of the manifest', () => {
    const m = buildCloneManifest({ name: 'acid-demo-clone', namespace: 'default', source: { cluster: 'acid-demo', uid: 'u1', spec: { ...source.spec, env: [{ name: 'AWS_ENDPOINT', value: 'http://127.0.0.1:9000' }] } }, timestamp: '2026-12-05T10:00:00+01:00', s3 }) as { spec: { clone: Record<string, unknown>; env: { name: string; valueFrom?: unknown }[] } };
    const zalando = fixture('clone-from-s3-custom-endpoint-manifest.yaml');
    expect(m.spec.clone).toMatchObject({ cluster: 'acid-demo', uid: 'u1', timestamp: '2026-12-05T10:00:00+01:00', s3_endpoint: 'http://127.0.0.1:9000', s3_force_path_style: true });
    // Same keys as Zalando's example except the two secrets, which come from the Secret the source's pods use.
    expect(Object.keys(m.spec.clone).every((k) => k in zalando.spec.clone)).toBe(true);
    expect(m.spec.clone).not.toHaveProperty('s3_secret_access_key');
    expect(JSON.stringify(m)).not.toContain('TOPSECRET');
    expect(m.spec.env.find((e) => e.name === 'CLONE_AWS_SECRET_ACCESS_KEY')?.valueFrom).toEqual({ secretKeyRef: { name: 'zpg-demo-s3', key: 'AWS_SECRET_ACCESS_KEY' } });
    // Same bucket as the operator's wal_s3_bucket: the operator builds the path itself.
    expect(m.spec.clone).not.toHaveProperty('s3_wal_path');
  });

  it('names the source prefix with s3_wal_path when the WAL lives outside the operator\'s bucket, and fills in a deleted source\'s essentials', () => {
    const elsewhere = resolveBackupS3({ flags: { bucket: 'old-backups' }, env: {}, operatorConfig: { where: 'x', config } });
    const m = buildCloneManifest({ name: 'acid-old', namespace: 'default', source: { cluster: 'acid-gone', uid: 'u2' }, timestamp: '2026-12-05T10:00:00+00:00', pgMajor: '15', s3: elsewhere, walPrefix: 'spilo/acid-gone/u2/wal/15/' }) as { spec: Record<string, unknown> & { clone: Record<string, unknown> } };
    expect(m.spec.clone.s3_wal_path).toBe('s3://old-backups/spilo/acid-gone/u2/wal');
    expect(m.spec).toMatchObject({ teamId: 'acid', numberOfInstances: 1, volume: { size: '1Gi' }, postgresql: { version: '15' } });
  });

  it('checks the new name', () => {
    expect(badClusterName('acid-demo-clone')).toBeUndefined();
    expect(badClusterName('Acid')).toContain('lower-case');
    expect(badClusterName('a'.repeat(64))).toContain('63');
  });
});
