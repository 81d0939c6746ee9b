// What a bad manifest costs the daemon: told once per generation, in one
// failed status and one Warning event (its warnings folded in), after one
// reconcile; the daemon's own status write does not bring it back, nor does a
// new daemon (a restart or a new leader) tell it again. This is what keeps a
// flood of bad manifests from slowing the valid clusters (BENCH=flood).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonWorld, type DaemonWorld } from '../helpers/daemon-world.ts';
import { manifest, startTestDaemon } from '../helpers/operator.ts';
import { eventually } from '../helpers/sandbox.ts';

const NS = 'cost';
const NAME = 'acid-costly';
let w: DaemonWorld;
/** the second daemon, started after the first is stopped */
let second: DaemonWorld['d'] | undefined;
beforeAll(async () => {
  w = await startDaemonWorld(NS);
}, 30_000);
afterAll(async () => {
  if (!second) return w?.stop();
  await second.stop();
  await w.t.close();
});

const warnings = async () =>
  (await w.core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${NAME}` })).items.filter((e) => e.type === 'Warning');

async function reconciles(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return Number(/^zpg_reconcile_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** the daemon's cache holds the failed status (so its watch event was handled) and nothing is queued or running */
async function settledOn(d: DaemonWorld['d'], word: string): Promise<void> {
  await eventually(`the daemon to see ${word}`, () => (d.controller?.clustersByStatus().get(word) ?? 0) > 0, 15_000, 50);
  await d.controller!.idle();
}

describe('a bad manifest', () => {
  it('costs one reconcile, one failed status and one Warning naming its fields, and is not told again by a new daemon', async () => {
    const before = await reconciles(w.d.url);
    const m = manifest('minimal-postgres-manifest.yaml', 0, { name: NAME, namespace: NS });
    m.spec.numberOfInstances = 2 ** 31; // an error
    m.spec.users = { zalando: [], admin: [] }; // and a warning (a protected role skipped)
    await w.createPg(m);
    await settledOn(w.d, 'CreateFailed');

    const told = await warnings();
    expect(told.map((e) => e.message)).toHaveLength(1);
    expect(told[0]!.message).toContain('spec.numberOfInstances: 2147483648 is out of range for int32');
    expect(told[0]!.message).toContain('spec.users.admin');
    expect(told[0]!.count).toBe(1);
    // the status write came back as a watch event; it is not another reconcile
    expect((await reconciles(w.d.url)) - before).toBe(1);

    // a new daemon (restart, new leader) reads the status and has nothing to tell
    await w.d.stop();
    const again = (second = await startTestDaemon(w.t, { resyncMs: 60_000 }));
    await eventually('the new daemon to lead', () => again.leading && again.controller, 15_000);
    // its first lists queue every cluster: once it has reconciled this one, it has said all it will say
    await eventually('the new daemon to reconcile the manifest', async () => (await reconciles(again.url)) >= 1, 15_000, 50);
    await again.controller!.idle();
    const after = await warnings();
    expect(after.map((e) => [e.message, e.count])).toEqual(told.map((e) => [e.message, e.count]));
  }, 60_000);
});
