// max_concurrent_rolling_updates: a rollout takes a slot with its first step
// that changes the cluster (a pod recreated, a switchover) and frees it when
// done; another cluster's rollout waits for a slot, says so, and touches
// nothing meanwhile.
import { describe, expect, it } from 'vitest';
import type { KubeObj } from '../../src/operator/build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION } from '../../src/operator/build/meta.ts';
import { RolloutRunner, type RolloutCluster } from '../../src/operator/controller/rollout-runner.ts';
import type { ObjectWriter } from '../../src/services/kube/object-writer.ts';
import { createLogger } from '../../src/services/log.ts';

function pod(cluster: string, n: number, role: 'master' | 'replica', marked: boolean): KubeObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${cluster}-${n}`,
      labels: { 'spilo-role': role },
      annotations: { ...(marked ? { [ROLLING_UPDATE_ANNOTATION]: 'true' } : {}), status: JSON.stringify({ state: 'running', role, xlog_location: 1000 }) },
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ state: { running: {} } }] },
  } as unknown as KubeObj;
}

const cluster = (name: string, marked: boolean, maxConcurrent: number): RolloutCluster => ({
  key: `default/${name}`,
  namespace: 'default',
  name,
  pods: [pod(name, 0, 'master', false), pod(name, 1, 'replica', marked)],
  wanted: 2,
  roleLabel: 'spilo-role',
  maxLagBytes: 33_554_432,
  windows: [],
  timeoutMs: 600_000,
  maxConcurrent,
  apiTimeoutMs: 5_000,
});

describe('max_concurrent_rolling_updates', () => {
  it('a second cluster waits for the slot, touching nothing, and takes it once the first is done', async () => {
    const deleted: string[] = [];
    const writer = { delete: async (ref: { metadata: { name: string } }) => (deleted.push(ref.metadata.name), true) } as unknown as ObjectWriter;
    const runner = new RolloutRunner({ writer, log: createLogger({ level: 'error', write: () => undefined }) });
    const told: string[] = [];
    const say = async (_type: string, _reason: string, message: string) => void told.push(message);

    expect((await runner.step(cluster('acid-a', true, 1), say)).condition?.reason).toBe('RollingUpdate');
    expect(deleted).toEqual(['acid-a-1']);
    const waiting = await runner.step(cluster('acid-b', true, 1), say);
    expect(waiting.condition).toEqual({ reason: 'WaitingForSlot', message: 'waiting for a rollout slot: 1 clusters are rolling (max_concurrent_rolling_updates=1)' });
    expect(deleted).toEqual(['acid-a-1']);
    expect(runner.rolling).toBe(1);

    // acid-a's pod is back on the new template: its rollout is done and frees the slot
    expect(await runner.step(cluster('acid-a', false, 1), say)).toEqual({});
    expect(runner.rolling).toBe(0);
    await runner.step(cluster('acid-b', true, 1), say);
    expect(deleted).toEqual(['acid-a-1', 'acid-b-1']);
    // without a limit both roll at once
    const free = new RolloutRunner({ writer, log: createLogger({ level: 'error', write: () => undefined }) });
    await free.step(cluster('acid-c', true, 0), say);
    await free.step(cluster('acid-d', true, 0), say);
    expect(free.rolling).toBe(2);
  });
});
