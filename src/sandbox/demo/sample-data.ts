// Rows in the demo's acid-demo, so its backups hold something a newcomer sees
// come back: database foo gets demo_accounts (10,000 rows, written once) and
// demo_ticks, a row every few seconds from the leader of the moment. A logical
// restore then ends with real row counts, and a clone to a time holds the
// ticks up to that time and none after. Written as a client would: to the
// leader's pod address with the superuser's password from its Secret, read
// from the API's store (the demo is the API server's own process).
import pg from 'pg';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject } from '../api/types.ts';

export const SAMPLE_DATABASE = 'foo';
const CONNECT_TIMEOUT_MS = 3_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS demo_accounts (id int PRIMARY KEY, name text NOT NULL, balance numeric(12,2) NOT NULL, opened date NOT NULL)`,
  `INSERT INTO demo_accounts SELECT g, 'account ' || g, round((g * 37 % 100000) / 100.0, 2), date '2020-01-01' + g % 2000 FROM generate_series(1, 10000) g ON CONFLICT DO NOTHING`,
  `CREATE TABLE IF NOT EXISTS demo_ticks (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), leader text NOT NULL)`,
];

export interface SampleWriter {
  stop(): Promise<void>;
}

export function startSampleWriter(registry: Registry, o: { namespace: string; cluster: string; everyMs?: number }): SampleWriter {
  const pods = registry.catalog.get('v1', 'pods')!;
  const secrets = registry.catalog.get('v1', 'secrets')!;
  let client: pg.Client | undefined;
  let schema = false;
  let running: Promise<void> = Promise.resolve();

  const leader = (): { pod: string; ip: string; password: string } | undefined => {
    const pod = registry.store
      .list(storageKey(pods))
      .find((p) => p.metadata.namespace === o.namespace && p.metadata.labels?.['cluster-name'] === o.cluster && p.metadata.labels?.['spilo-role'] === 'master' && !p.metadata.deletionTimestamp);
    const ip = (pod?.status as { podIP?: string } | undefined)?.podIP;
    const secret = registry.find(secrets, o.namespace, `postgres.${o.cluster}.credentials.postgresql.acid.zalan.do`) as (KubeObject & { data?: Record<string, string> }) | undefined;
    const password = secret?.data?.password ? Buffer.from(secret.data.password, 'base64').toString('utf8') : undefined;
    return ip && password ? { pod: pod!.metadata.name!, ip, password } : undefined;
  };

  const drop = async () => {
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };

  const tick = async () => {
    try {
      const to = leader();
      if (!to) return;
      // after a failover the labelled leader moves: follow it
      if (client && client.host !== to.ip) await drop();
      if (!client) {
        const c = new pg.Client({ host: to.ip, port: 5432, user: 'postgres', password: to.password, database: SAMPLE_DATABASE, application_name: 'zpg-demo-sample-data', connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: 10_000 });
        c.on('error', () => undefined);
        await c.connect();
        client = c;
      }
      if (!schema) {
        for (const sql of SCHEMA) await client.query(sql);
        schema = true;
      }
      await client.query('INSERT INTO demo_ticks (leader) VALUES ($1)', [to.pod]);
    } catch {
      // Not there yet (foo is made by the operator once the leader runs), read-only, or a failover under way:
      // the next tick starts over on whoever leads then.
      await drop();
    }
  };

  // one tick at a time: a slow one delays the next instead of overlapping it
  const timer = setInterval(() => (running = running.then(tick)), o.everyMs ?? 5_000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await drop();
    },
  };
}
