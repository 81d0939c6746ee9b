// BENCH=roles: roles and databases over SQL at small-fleet scale. 10
// single-member clusters (real Patroni 3 + PostgreSQL 15 in the sandbox), each
// given 20 users, 5 databases and a prepared database at once, synced by the
// daemon (bin/zpg.mjs --daemon, its own process); then every cluster synced
// again with nothing changed. Reported: SQL writes and time of each pass (goal
// for the second: 0 writes), the daemon's RSS. Baseline from the same run: one
// client connecting to each leader and reading pg_roles once (the least any
// sync that checks the catalog must do).
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { clusterManifest } from '../src/sandbox/demo/samples.ts';
import { daemonFlags, procMiB } from './proc.ts';
import { startBenchWorld } from './sandbox-world.ts';

const CLUSTERS = Number(process.env.BENCH_ROLES_CLUSTERS ?? 10);
const USERS = 20;
const DATABASES = 5;
const NS = 'default';

interface SyncLine {
  cluster: string;
  sqlWrites: number;
  at: number;
}

export async function benchRoles(): Promise<Record<string, unknown>[]> {
  const w = await startBenchWorld('roles');
  const { core, custom, until } = w;
  try {
    // the V8 flags the Dockerfile's ENTRYPOINT runs the daemon with (as BENCH=operator does)
    const daemon = w.startDaemon({ flags: daemonFlags() });
    const syncs: SyncLine[] = [];
    let buf = '';
    daemon.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.includes('"msg":"postgres sync done"')) continue;
        const j = JSON.parse(line) as { cluster: string; sqlWrites: number };
        syncs.push({ cluster: j.cluster, sqlWrites: j.sqlWrites, at: Date.now() });
      }
    });

    const names = Array.from({ length: CLUSTERS }, (_, i) => `acid-bench-roles-${i}`);
    const leaderIp = async (name: string) => (await core.listNamespacedPod({ namespace: NS, labelSelector: `cluster-name=${name},spilo-role=master` })).items[0]?.status?.podIP;
    // Clusters are made two at a time: ten Patronis bootstrapping at once on a busy machine can lose their
    // initialize race to a slow API (the setup is not what is measured here).
    for (let i = 0; i < names.length; i += 2) {
      const batch = names.slice(i, i + 2);
      for (const name of batch) await custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: NS, plural: 'postgresqls', body: clusterManifest({ name, instances: 1 }) });
      for (const name of batch) await until(`${name} has a leader`, () => leaderIp(name), 300_000, 500);
    }
    // every cluster through one sync of its bare manifest
    await until('every cluster synced once', async () => names.every((n) => syncs.some((s) => s.cluster === `${NS}/${n}`)), 300_000, 500);

    // Baseline: connect to every leader at once (as the daemon's workers do) and read the catalog once.
    const targets = await Promise.all(names.map(async (name) => ({ host: await leaderIp(name), password: await w.password(name, NS) })));
    const tb = performance.now();
    await Promise.all(targets.map(async (t) => {
      const c = new pg.Client({ host: t.host, port: 5432, user: 'postgres', password: t.password, connectionTimeoutMillis: 10_000 });
      await c.connect();
      await c.query('SELECT rolname FROM pg_catalog.pg_roles');
      await c.end();
    }));
    const baselineMs = performance.now() - tb;

    /** waits for one sync per cluster after `from`, answers the pass's time and writes */
    const pass = async (what: string, start: () => Promise<void>, writing = false) => {
      const from = syncs.length;
      const t0 = Date.now();
      await start();
      const lines = await until(what, async () => {
        const after = syncs.slice(from);
        // The first pass ends at each cluster's first sync that wrote: one still running from before the patch does not count.
        const firstPer = names.map((n) => after.find((s) => s.cluster === `${NS}/${n}` && (!writing || s.sqlWrites > 0)));
        return firstPer.every(Boolean) ? (firstPer as SyncLine[]) : undefined;
      }, 600_000, 200);
      return { ms: Math.max(...lines.map((l) => l.at)) - t0, writes: lines.reduce((a, l) => a + l.sqlWrites, 0) };
    };
    const spec = {
      users: Object.fromEntries(Array.from({ length: USERS }, (_, i) => [`user_${i}`, i % 5 === 0 ? ['createdb'] : []])),
      databases: Object.fromEntries(Array.from({ length: DATABASES }, (_, i) => [`db_${i}`, `user_${i}`])),
      preparedDatabases: { shop: { defaultUsers: true, schemas: { data: {} } } },
    };
    const first = await pass('the first pass', async () => {
      for (const name of names) await custom.patchNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: NS, plural: 'postgresqls', name, body: { spec } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    }, true);
    // a Secret or database made late may still need one more pass: settle first, then measure the pass that counts
    const settle = await pass('a settling pass', async () => {
      for (const name of names) await custom.patchNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: NS, plural: 'postgresqls', name, body: { metadata: { labels: { settle: String(Date.now()) } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    });
    const second = await pass('the second pass', async () => {
      for (const name of names) await custom.patchNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', namespace: NS, plural: 'postgresqls', name, body: { metadata: { labels: { resync: String(Date.now()) } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    });
    const rss = procMiB(daemon.pid!, 'VmRSS');
    const hwm = procMiB(daemon.pid!, 'VmHWM');

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const shape = `${CLUSTERS} clusters × (${USERS} users, ${DATABASES} databases, 1 prepared database)`;
    return [
      { bench: `roles: first pass, ${shape}: SQL writes`, value: String(first.writes), baseline: '', ratio: '', goal: '' },
      { bench: 'roles: first pass, patch → every cluster synced', value: s(first.ms), baseline: `${s(baselineMs)} connect + read pg_roles, all leaders at once`, ratio: (first.ms / baselineMs).toFixed(1), goal: '' },
      { bench: 'roles: settling pass right after the first (what the first left for later): SQL writes', value: String(settle.writes), baseline: '', ratio: '', goal: '0' },
      { bench: 'roles: second pass (nothing changed): SQL writes', value: String(second.writes), baseline: '', ratio: '', goal: '0' },
      { bench: 'roles: second pass, label → every cluster synced', value: s(second.ms), baseline: `${s(baselineMs)} connect + read pg_roles, all leaders at once`, ratio: (second.ms / baselineMs).toFixed(1), goal: '' },
      { bench: 'roles: daemon RSS after both passes', value: `${rss} MiB (peak ${hwm} MiB)`, baseline: '', ratio: '', goal: '' },
    ];
  } finally {
    await w.stop();
  }
}
