// A flood of seeded bad manifests through the sandbox API to a running
// daemon (no pods): the daemon stays up, every bad manifest is refused by the
// API (422 naming the field) or reported by the daemon (a Warning event naming
// a broken spec field), and a valid cluster created alongside converges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badManifests } from '../helpers/bad-manifests.ts';
import { startDaemonWorld, type DaemonWorld } from '../helpers/daemon-world.ts';
import { manifest } from '../helpers/operator.ts';
import { eventually } from '../helpers/sandbox.ts';

const SEED = Number(process.env.ZPG_FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.ZPG_FUZZ_COUNT ?? 300);
const NS = 'fuzz';

let w: DaemonWorld;
beforeAll(async () => {
  w = await startDaemonWorld(NS);
}, 30_000);
afterAll(async () => w?.stop());

/** The 422's message (it names the fields), or undefined when the API took the manifest */
async function apply(body: object): Promise<string | undefined> {
  try {
    await w.createPg(body);
    return undefined;
  } catch (e) {
    const err = e as { code?: number; body?: string };
    if (err.code !== 422) throw e;
    return (JSON.parse(err.body ?? '{}') as { message?: string }).message ?? '';
  }
}

describe(`bad manifests against a running daemon (seed ${SEED}, ${COUNT} cases)`, () => {
  it('each is refused or reported by field, the daemon stays up and a valid cluster converges', async () => {
    const cases = badManifests(COUNT, SEED, NS);
    const valid = manifest('minimal-postgres-manifest.yaml', 0, { name: 'acid-valid', namespace: NS });
    const refused = new Map<string, string>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        if (i === Math.floor(cases.length / 2)) await w.createPg(valid);
        const said = await apply(cases[i]!.manifest);
        if (said !== undefined) refused.set(cases[i]!.manifest.metadata.name, said);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);

    // Every case the API took gets a Warning event naming one of its broken fields.
    const accepted = cases.filter((c) => !refused.has(c.manifest.metadata.name));
    const reported = async () => {
      const warnings = new Map<string, string[]>();
      for (const e of (await w.core.listNamespacedEvent({ namespace: NS })).items) {
        if (e.type !== 'Warning') continue;
        const name = e.involvedObject.name ?? '';
        warnings.set(name, [...(warnings.get(name) ?? []), e.message ?? '']);
      }
      return accepted.filter((c) => !(warnings.get(c.manifest.metadata.name) ?? []).some((m) => c.fields.some((f) => m.includes(f))));
    };
    await eventually('a Warning event naming a broken field for every accepted bad manifest', async () => (await reported()).length === 0, 40_000, 500).catch(async (e) => {
      throw new Error(`${(e as Error).message}\n${(await reported()).map((c) => c.description).join('\n')}`);
    });
    for (const c of cases.filter((x) => refused.has(x.manifest.metadata.name))) {
      const message = refused.get(c.manifest.metadata.name)!;
      expect(c.fields.some((f) => message.includes(f)) || message.includes('max depth'), `${c.description} → ${message}`).toBe(true);
    }

    // The valid cluster converges alongside, and the daemon still answers and leads.
    await eventually('acid-valid to converge', async () => {
      await w.apps.readNamespacedStatefulSet({ namespace: NS, name: 'acid-valid' });
      const pg = (await w.custom.getNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace: NS, name: 'acid-valid' })) as { status?: { PostgresClusterStatus?: string } };
      return pg.status?.PostgresClusterStatus === 'Creating';
    }, 30_000, 200);
    expect(w.d.leading).toBe(true);
    expect((await fetch(`${w.d.url}/healthz`)).status).toBe(200);
    expect(refused.size).toBeGreaterThan(0);
    expect(accepted.length).toBeGreaterThan(0);
  }, 120_000);
});
