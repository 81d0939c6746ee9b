// A seeded generator of bad postgresql manifests derived from Zalando's
// fixtures: each case breaks one to three fields (a wrong type, an int32
// overflow, a collision, a value a real cluster refuses) and says which
// `spec` fields a correct report must name.
import { loadFixture } from './fixtures.ts';

export interface BadManifest {
  manifest: { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
  /** the spec fields broken; a report must name at least one of them */
  fields: string[];
  /** what was done, for a failure message */
  description: string;
}

type Mutation = [field: string, value: () => unknown];

function deep(levels: number): unknown {
  let o: unknown = 'leaf';
  for (let i = 0; i < levels; i++) o = { nested: o };
  return o;
}

/** Everything here is wrong for the field it sets: by type, by range, or by what a cluster accepts. */
const MUTATIONS: Mutation[] = [
  ['numberOfInstances', () => 1e20],
  ['numberOfInstances', () => 2 ** 31],
  ['numberOfInstances', () => -1],
  ['numberOfInstances', () => 'three'],
  ['numberOfInstances', () => 2.5],
  ['maintenanceWindows', () => 'Mon:01:00-02:00'],
  ['maintenanceWindows', () => ['Mon:25:00-26:00']],
  ['maintenanceWindows', () => [{ day: 'Mon' }]],
  ['env', () => ({ FOO: 'bar' })],
  ['env', () => [{ value: 'no name' }]],
  ['env', () => 'FOO=bar'],
  ['users', () => 'foo'],
  ['users', () => ({ zalando: [], foo_user: [], 'foo-user': [] })],
  ['users', () => ({ zalando: [], admin: ['superuser'] })],
  ['users', () => ({ zalando: [], pg_reader: [] })],
  ['users', () => ({ zalando: [], ['r'.repeat(64)]: [] })],
  ['users', () => ({ zalando: ['superpower'] })],
  ['users', () => ({ zalando: 'login' })],
  ['databases', () => ({ postgres: 'zalando' })],
  ['databases', () => ({ template0: 'zalando' })],
  ['databases', () => ({ '1bad': 'zalando' })],
  ['databases', () => ({ ['d'.repeat(70)]: 'zalando' })],
  ['databases', () => ({ foo: 5 })],
  ['sidecars', () => [{ name: 'postgres', image: 'busybox:1' }]],
  ['sidecars', () => [{ name: 'Bad_Name', image: 'busybox:1' }]],
  ['sidecars', () => [{ name: 'side', image: 'busybox:1', env: { A: 'b' } }]],
  ['sidecars', () => 'busybox'],
  ['initContainers', () => [{ name: 'init' }]],
  ['initContainers', () => [{ name: 'Init!', image: 'busybox:1' }]],
  ['tolerations', () => [{ key: 'k', operator: 'Maybe', effect: 'NoSchedule' }]],
  ['tolerations', () => [{ key: 'k', operator: 'Equal', effect: 'Sometimes' }]],
  ['tolerations', () => ({ key: 'k' })],
  ['schedulerName', () => 'My Scheduler'],
  ['schedulerName', () => 5],
  ['podPriorityClassName', () => 'Top_Priority'],
  ['podAnnotations', () => ({ 'bad key!': 'x' })],
  ['podAnnotations', () => ({ ok: { nested: true } })],
  ['serviceAnnotations', () => ({ '/empty-prefix': 'x' })],
  ['teamId', () => 'team with spaces'],
  ['teamId', () => 't'.repeat(64)],
  ['teamId', () => 42],
  ['standby', () => ({ standby_host: 'primary.example', standby_port: 'abc' })],
  ['standby', () => 'primary.example'],
  ['clone', () => ({ cluster: 'acid-source', timestamp: '2024-02-30T12:00:00+00:00' })],
  ['clone', () => ({ cluster: 'acid-source', timestamp: 'yesterday' })],
  ['clone', () => ({ cluster: 'acid-source', uid: 'not-a-uuid' })],
  ['logicalBackupSchedule', () => '61 25 * * *'],
  ['logicalBackupSchedule', () => 'every day'],
  ['logicalBackupSchedule', () => 30],
  ['volume', () => ({ size: '0' })],
  ['volume', () => ({ size: '5000Pi' })],
  ['volume', () => ({ size: 'big' })],
  ['volume', () => ({ size: '1Gi', iops: 1e20 })],
  ['volume', () => '1Gi'],
  ['resources', () => ({ requests: { cpu: '2', memory: '100Mi' }, limits: { cpu: '1', memory: '1Gi' } })],
  ['resources', () => ({ requests: { cpu: '1 core' } })],
  ['resources', () => 'large'],
  ['patroni', () => ({ ttl: -1 })],
  ['patroni', () => ({ maximum_lag_on_failover: -5 })],
  ['patroni', () => ({ ttl: 'thirty' })],
  ['patroni', () => ({ loop_wait: 1e20 })],
  ['postgresql', () => ({ version: '15', parameters: { '': 'x' } })],
  ['postgresql', () => ({ version: '9' })],
  ['postgresql', () => ({ version: 15 })],
  ['postgresql', () => ({ version: '15', parameters: { shared_buffers: { size: 1 } } })],
  ['allowedSourceRanges', () => ['nope']],
  ['allowedSourceRanges', () => '10.0.0.0/8'],
  ['nodeAffinity', () => deep(1200)],
  ['enableShmVolume', () => 'yes'],
  ['spiloRunAsUser', () => 1e20],
];

/** mulberry32: small, fast and the same on every machine */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASES = ['minimal-postgres-manifest.yaml', 'complete-postgres-manifest.yaml'];

export function badManifests(count: number, seed: number, namespace: string): BadManifest[] {
  const random = seededRandom(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const bases = BASES.map((f) => loadFixture(f).find((o) => o.kind === 'postgresql')!);
  const out: BadManifest[] = [];
  for (let i = 0; i < count; i++) {
    const base = structuredClone(pick(bases)) as unknown as BadManifest['manifest'];
    const n = 1 + Math.floor(random() * 3);
    const used = new Map<string, unknown>();
    while (used.size < n) {
      const [field, value] = pick(MUTATIONS);
      if (!used.has(field)) used.set(field, value());
    }
    for (const [field, value] of used) base.spec[field] = value;
    base.metadata = { name: `acid-bad-${i}`, namespace };
    base.apiVersion = 'acid.zalan.do/v1';
    base.kind = 'postgresql';
    const fields = [...used.keys()].map((f) => `spec.${f}`);
    out.push({ manifest: base, fields, description: `${base.metadata.name}: ${[...used.keys()].map((f) => `${f}=${JSON.stringify(used.get(f))?.slice(0, 60)}`).join(', ')}` });
  }
  return out;
}
