// The operator's roles sync when a switchover cuts it off: the old leader ends the session ("terminating connection
// due to administrator command", 57P01). Found in the demo: a console switchover left a Warning Sync beside the
// LeaderChanged event. Now it is tried again in 5 s and told only when it lasts a minute.
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildCluster } from '../../src/operator/build/cluster.ts';
import { defaultConfig } from '../../src/operator/config/parse.ts';
import { syncPostgres, type SyncPostgresDeps } from '../../src/operator/controller/sync-postgres.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { createLogger } from '../../src/services/log.ts';
import { loadFixture } from '../helpers/fixtures.ts';

const manifest = { ...loadFixture('minimal-postgres-manifest.yaml')[0]!, metadata: { name: 'acid-minimal-cluster', namespace: 'default', uid: 'u-1' } } as unknown as Postgresql;

function world(failure: () => Error) {
  const config = defaultConfig('configmap');
  const built = buildCluster(manifest, config);
  const events: string[] = [];
  const leaderPod = { metadata: { name: 'acid-minimal-cluster-0', namespace: 'default', labels: { 'cluster-name': 'acid-minimal-cluster', application: 'spilo', 'spilo-role': 'master' } }, status: { podIP: '10.0.0.1' } };
  const deps = {
    config: () => config,
    cache: { pods: () => [leaderPod] },
    writer: { patch: async () => {}, create: async () => true },
    events: { record: async (_on: unknown, type: string, reason: string, message: string) => void events.push(`${type} ${reason}: ${message}`) },
    postgres: {
      patroni: () => async (r: { path: string }) => ({ status: 200, text: r.path === '/config' ? '{"ttl":30,"loop_wait":10,"postgresql":{"parameters":{}}}' : '{"members":[]}' }),
      secrets: async () => new Map(built.objects.filter((o) => o.kind === 'Secret').map((o) => [o.metadata.name, { username: o.metadata.name.split('.')[0]!, password: 'secret', data: {} }])),
      connect: async () => {
        throw failure();
      },
    },
  } as unknown as SyncPostgresDeps;
  return { events, run: () => syncPostgres(deps, manifest, built, createLogger({ write: () => {} })) };
}

const adminShutdown = () => Object.assign(new pg.DatabaseError('terminating connection due to administrator command', 0, 'error'), { code: '57P01' });
/** as the connector throws it: the member named, the driver's error the cause */
const shuttingDown = () => new Error('PostgreSQL on default/acid-minimal-cluster-0, database postgres: the database system is shutting down', { cause: Object.assign(new pg.DatabaseError('the database system is shutting down', 0, 'error'), { code: '57P03' }) });

describe('a roles sync cut off by a switchover', () => {
  afterEach(() => vi.useRealTimers());

  it('is tried again in 5 s without a Warning, and told once it has lasted a minute', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T19:00:00Z'), toFake: ['Date'] });
    const w = world(adminShutdown);
    expect((await w.run()).requeueAfterMs).toBe(5000);
    vi.setSystemTime(new Date('2026-12-06T19:00:30Z'));
    expect((await w.run()).requeueAfterMs).toBe(5000);
    expect(w.events.filter((e) => e.startsWith('Warning'))).toEqual([]);
    vi.setSystemTime(new Date('2026-12-06T19:01:01Z'));
    expect((await w.run()).requeueAfterMs).toBe(30_000);
    expect(w.events.filter((e) => e.startsWith('Warning'))).toEqual(['Warning Sync: could not sync roles and databases: terminating connection due to administrator command']);
  });

  it('is recognised through the connector, which names the member and keeps the driver error as the cause', async () => {
    const w = world(shuttingDown);
    expect((await w.run()).requeueAfterMs).toBe(5000);
    expect(w.events.filter((e) => e.startsWith('Warning'))).toEqual([]);
  });

  it('is a Warning at once when the failure is not one a leader change explains', async () => {
    const w = world(() => Object.assign(new pg.DatabaseError('permission denied to create role', 0, 'error'), { code: '42501' }));
    expect((await w.run()).requeueAfterMs).toBe(30_000);
    expect(w.events.filter((e) => e.startsWith('Warning'))).toEqual(['Warning Sync: could not sync roles and databases: permission denied to create role']);
  });
});
