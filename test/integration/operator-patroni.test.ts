// The whole chain with real parts: a manifest applied with kubectl, the
// operator's StatefulSet, the kubelet's Patroni + PostgreSQL members. The
// cluster becomes healthy (one leader, replicas streaming, labels set by
// Patroni, status Running), scales 3 → 2 → 3 with the returning member back on
// its old data, and nothing is left running afterwards.
import * as k8s from '@kubernetes/client-node';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { eventually } from '../helpers/sandbox.ts';

const NAME = 'acid-chain';

let w: MemberWorld;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;

const kubectl = (...args: string[]) => w.kubectl(...args);
const status = async () =>
  ((await custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: 'default', name: NAME })) as {
    status?: { PostgresClusterStatus?: string; conditions?: { type: string; status: string; message: string }[] };
  }).status;
const roles = async () =>
  Object.fromEntries((await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME}` })).items.map((p) => [p.metadata!.name!, p.metadata!.labels?.['spilo-role'] ?? '']));

async function healthy(members: number): Promise<void> {
  await eventually(`${members} members, Running`, async () => {
    const s = await status();
    const ready = s?.conditions?.find((c) => c.type === 'Ready');
    return s?.PostgresClusterStatus === 'Running' && ready?.status === 'True' && ready.message.startsWith(`${members}/${members} members ready`);
  }, 90_000, 500);
  const r = await roles();
  expect(Object.values(r).sort()).toEqual(['master', ...Array(members - 1).fill('replica')]);
  const leader = Object.keys(r).find((p) => r[p] === 'master')!;
  // every replica streams from the leader, as PostgreSQL itself says
  await eventually('replicas streaming', async () => (await kubectl('exec', leader, '--', 'psql', '-tAc', "select count(*) from pg_stat_replication where state = 'streaming'")).trim() === String(members - 1), 30_000, 500);
}

beforeAll(async () => {
  w = await startMemberWorld('zpg-chain-', [36, 39]);
  core = w.kc.makeApiClient(k8s.CoreV1Api);
  custom = w.kc.makeApiClient(k8s.CustomObjectsApi);
}, 60_000);

afterAll(async () => {
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('kubectl apply → operator → Patroni', () => {
  it('becomes a healthy cluster: one leader labelled by Patroni, replicas streaming, status Running', async () => {
    const file = join(w.dir, 'cluster.yaml');
    writeFileSync(file, JSON.stringify(clusterManifest({ name: NAME, instances: 3 })));
    expect(await kubectl('apply', '-f', file)).toMatch(/postgresql.acid.zalan.do\/acid-chain created/);
    await healthy(3);
  }, 120_000);

  it('scales 3 → 2 → 3; the returning member rejoins on its old data', async () => {
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', '{"spec":{"numberOfInstances":2}}');
    await eventually('pod 2 gone', async () => !(`${NAME}-2` in (await roles())), 60_000, 500);
    await healthy(2);
    // the claim outlives the scale-down (whenScaled: Retain), so the member keeps its data directory
    expect(await kubectl('get', 'pvc', `pgdata-${NAME}-2`, '-o', 'name')).toMatch(/pgdata-acid-chain-2/);
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', '{"spec":{"numberOfInstances":3}}');
    await healthy(3);
  }, 180_000);
});
