// The operator acting on PostgreSQL and Patroni, with real members: manifest
// users, flags, databases and prepared databases exist and log in with their
// Secrets' passwords; a second sync writes nothing; Patroni's dynamic
// configuration follows spec.patroni and parameters without a pod recreated
// (restarts replicas first) and keeps a slot added by hand; a Secret deleted by
// hand comes back with a password that works.
import * as k8s from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { loginQuery } from '../helpers/pg-login.ts';
import { eventually } from '../helpers/sandbox.ts';

const NAME = 'acid-sql';
const secretName = (user: string) => `${user.replaceAll('_', '-')}.${NAME}.credentials.postgresql.acid.zalan.do`;

let w: MemberWorld;
let core: k8s.CoreV1Api;

const kubectl = (...args: string[]) => w.kubectl(...args);

async function password(user: string): Promise<string> {
  const s = await core.readNamespacedSecret({ namespace: 'default', name: secretName(user) });
  return Buffer.from(s.data!.password!, 'base64').toString();
}

async function pods(): Promise<{ name: string; uid: string; ip: string; role: string }[]> {
  const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME}` });
  return list.items.map((p) => ({ name: p.metadata!.name!, uid: p.metadata!.uid!, ip: p.status?.podIP ?? '', role: p.metadata!.labels?.['spilo-role'] ?? '' }));
}

async function leaderIp(): Promise<string> {
  return eventually('a leader', async () => (await pods()).find((p) => p.role === 'master')?.ip, 90_000, 500) as Promise<string>;
}

/** Logs in to the leader as `user` with its Secret's password (checked: see test/helpers/pg-login.ts), runs `sql`. */
async function query(user: string, sql: string, database = 'postgres', params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return loginQuery({ host: await leaderIp(), user, password: await password(user), database }, sql, params);
}

const su = (sql: string, database = 'postgres', params: unknown[] = []) => query('postgres', sql, database, params);

/** the operator's log lines with this message for this cluster, in order */
function logLines<T>(msg: string): T[] {
  return readFileSync(join(w.dir, 'operator.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`) && l.includes(NAME))
    .map((l) => JSON.parse(l) as T);
}
const syncLines = () => logLines<{ sqlWrites: number }>('postgres sync done');

/** every member running, none waiting for a restart (the first sync may have changed parameters) */
async function settled(members: number): Promise<void> {
  await eventually('members settled', async () => {
    const res = await fetch(`http://${await leaderIp()}:8008/cluster`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    const c = (await res?.json().catch(() => undefined)) as { members?: { state: string; pending_restart?: boolean }[] } | undefined;
    return c?.members?.length === members && c.members.every((m) => ['running', 'streaming'].includes(m.state) && !m.pending_restart);
  }, 120_000, 1000);
}

async function events(): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${NAME}` });
  const at = (e: k8s.CoreV1Event) => String(e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '');
  return list.items.sort((a, b) => at(a).localeCompare(at(b))).map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

async function patroniConfig(): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${await leaderIp()}:8008/config`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as Record<string, unknown>;
}

/** a reconcile without a spec change (a label), then the sync line it writes */
async function resync(): Promise<{ sqlWrites: number }> {
  const before = syncLines().length;
  await kubectl('label', 'postgresql', NAME, `resync=${Date.now()}`, '--overwrite');
  return eventually('another sync', () => syncLines()[before], 60_000, 200);
}

beforeAll(async () => {
  w = await startMemberWorld('zpg-sql-', [170, 179]);
  core = w.kc.makeApiClient(k8s.CoreV1Api);
  await kubectl('-n', 'zpg-system', 'patch', 'configmap', 'postgres-operator', '--type', 'merge', '-p', '{"data":{"additional_owner_roles":"cron_admin"}}');
}, 60_000);

afterAll(async () => {
  if (process.env.ZPG_KEEP_LOG && w) writeFileSync(process.env.ZPG_KEEP_LOG, readFileSync(join(w.dir, 'operator.log')));
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('roles and databases over SQL', () => {
  it('creates manifest users with their flags, databases and prepared databases; each logs in with its Secret', async () => {
    const m = clusterManifest({ name: NAME, instances: 2 }) as { spec: Record<string, unknown> };
    m.spec.users = { app_owner: [], app_ro: ['nologin'], bot: ['createdb', 'createrole'], zalando: ['superuser', 'createdb'] };
    m.spec.databases = { app: 'app_owner' };
    m.spec.preparedDatabases = { shop: { defaultUsers: true, schemas: { data: {}, history: { defaultRoles: false } }, extensions: { pg_trgm: 'data' } } };
    const file = join(w.dir, 'cluster.yaml');
    writeFileSync(file, JSON.stringify(m));
    await kubectl('apply', '-f', file);
    await eventually('the roles exist', async () => (await su("select 1 from pg_roles where rolname = 'shop_writer_user'").catch(() => [])).length === 1, 120_000, 1000);
    await settled(2);

    const roles = await su("select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname in ('app_owner','app_ro','bot','zalando') order by 1");
    expect(roles).toEqual([
      { rolname: 'app_owner', rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false },
      { rolname: 'app_ro', rolcanlogin: false, rolsuper: false, rolcreatedb: false, rolcreaterole: false },
      { rolname: 'bot', rolcanlogin: true, rolsuper: false, rolcreatedb: true, rolcreaterole: true },
      { rolname: 'zalando', rolcanlogin: true, rolsuper: true, rolcreatedb: true, rolcreaterole: false },
    ]);
    expect(await query('app_owner', 'select current_user as u, current_database() as d', 'app')).toEqual([{ u: 'app_owner', d: 'app' }]);
    expect(await query('bot', 'select current_user as u')).toEqual([{ u: 'bot' }]);
    // the password is really checked, on loopback too: a wrong one is refused
    const ip = await leaderIp();
    const wrong = (user: string) => loginQuery({ host: ip, user, password: 'not-the-password' });
    await expect(wrong('app_owner')).rejects.toThrow(/password authentication failed for user "app_owner"/);
    await expect(wrong('postgres')).rejects.toThrow(/password authentication failed for user "postgres"/);

    expect(await su("select datname, pg_get_userbyid(datdba) as owner from pg_database where datname in ('app','shop') order by 1")).toEqual([
      { datname: 'app', owner: 'app_owner' },
      { datname: 'shop', owner: 'shop_owner' },
    ]);
    expect(await su("select nspname, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname in ('data','history') order by 1", 'shop')).toEqual([
      { nspname: 'data', owner: 'shop_data_owner' },
      { nspname: 'history', owner: 'shop_owner' },
    ]);
    expect(await su("select n.nspname from pg_extension e join pg_namespace n on n.oid = e.extnamespace where extname = 'pg_trgm'", 'shop')).toEqual([{ nspname: 'data' }]);
    // the writer user writes, the reader user reads, through the default roles and privileges
    await query('shop_owner_user', 'set role shop_owner; create table history.t (x int); insert into history.t values (1)', 'shop');
    await query('shop_writer_user', 'insert into history.t values (2)', 'shop');
    expect(await query('shop_reader_user', 'select count(*)::int as n from history.t', 'shop')).toEqual([{ n: 2 }]);
    await expect(query('shop_reader_user', 'insert into history.t values (3)', 'shop')).rejects.toThrow(/permission denied/);
    // search_path names the prepared schemas; owners are members of cron_admin's reach
    expect(await su("select setconfig from pg_db_role_setting s join pg_roles r on r.oid = s.setrole where rolname = 'shop_owner'")).toEqual([{ setconfig: ['search_path="$user", data, history'] }]);
    const cron = await su("select b.rolname from pg_auth_members m join pg_roles a on a.oid = m.member join pg_roles b on b.oid = m.roleid where a.rolname = 'cron_admin' order by 1");
    expect(cron.map((r) => r.rolname)).toEqual(['app_owner', 'shop_owner']);
  }, 240_000);

  it('a second sync issues no SQL write: no role or database row changes', async () => {
    const snapshot = () => su("select rolname, xmin::text from pg_authid union all select datname, xmin::text from pg_database order by 1");
    await resync(); // the pass after creation may still settle (e.g. a Secret created late)
    const before = await snapshot();
    const line = await resync();
    expect(line.sqlWrites).toBe(0);
    expect(await snapshot()).toEqual(before);
  }, 120_000);

  it('a credentials Secret deleted by hand comes back with a new password that logs in, with a Warning', async () => {
    const old = await password('app_owner');
    await kubectl('delete', 'secret', secretName('app_owner'));
    await eventually('a new Secret', async () => (await password('app_owner').catch(() => old)) !== old, 60_000, 500);
    await eventually('the new password logs in', async () => (await query('app_owner', 'select 1 as x', 'app').catch(() => [])).length === 1, 60_000, 500);
    await expect(loginQuery({ host: await leaderIp(), user: 'app_owner', password: old, database: 'app' })).rejects.toThrow(/password authentication failed/);
    await eventually('a Warning says so', async () => (await events()).some((e) => /Warning Secrets: password of role "app_owner" did not match/.test(e)), 10_000, 200);
  }, 120_000);

  it("a statement the server refuses is a Warning naming the database and the server's message; the rest still syncs", async () => {
    const patch = (extensions: Record<string, string | null>) =>
      kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', JSON.stringify({ spec: { users: { late_user: [] }, preparedDatabases: { shop: { extensions } } } }));
    await patch({ no_such_extension: 'data' });
    await eventually('a Warning naming shop and the extension', async () => (await events()).some((e) => /^Warning Sync: database "shop": .*no_such_extension/.test(e)), 90_000, 500);
    // the user added in the same change exists and logs in with its Secret
    await eventually('late_user logs in', async () => (await query('late_user', 'select current_user as u').catch(() => [])).length === 1, 60_000, 500);
    await patch({ no_such_extension: null });
  }, 150_000);
});

describe('Patroni dynamic configuration', () => {
  it('ttl, max_connections and slots reach /config without a pod recreated; a hand-made slot survives; replicas restart first', async () => {
    const before = await pods();
    const seen = logLines('restarting member for pending parameters').length;
    const res = await fetch(`http://${await leaderIp()}:8008/config`, { method: 'PATCH', body: JSON.stringify({ slots: { by_hand: { type: 'physical' } } }), signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    const patch = { spec: { patroni: { ttl: 9, slots: { from_manifest: { type: 'physical' } } }, postgresql: { version: '15', parameters: { shared_buffers: '16MB', max_connections: '50' } } } };
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', JSON.stringify(patch));
    await eventually('config patched', async () => {
      const c = await patroniConfig();
      const params = (c.postgresql as { parameters: Record<string, unknown> }).parameters;
      return c.ttl === 9 && String(params.max_connections) === '50' && Object.keys(c.slots as object).sort().join() === 'by_hand,from_manifest';
    }, 60_000, 500);
    // max_connections needs a restart: every member ends up running with it
    for (const p of before) {
      await eventually(`${p.name} restarted with max_connections 50`, async () => {
        const c = new pg.Client({ host: p.ip, port: 5432, user: 'postgres', password: await password('postgres'), connectionTimeoutMillis: 3000 });
        try {
          await c.connect();
          return (await c.query('show max_connections')).rows[0].max_connections === '50';
        } catch {
          return false;
        } finally {
          await c.end().catch(() => undefined);
        }
      }, 120_000, 1000);
    }
    // max_connections went up (40 → 50): replicas first, the leader last
    const restarts = logLines<{ role: string }>('restarting member for pending parameters').slice(seen);
    expect(restarts.map((r) => r.role)).toEqual(['replica', 'master']);
    expect((await events()).some((e) => /Normal Update: restarting Postgres server within replica pod/.test(e))).toBe(true);
    expect((await pods()).map((p) => p.uid).sort()).toEqual(before.map((p) => p.uid).sort());

    // nothing differs now: no PATCH on the next sync (ttl stays, the hand-made slot stays)
    const patched = (await events()).filter((e) => e.includes('Patroni configuration updated')).length;
    await resync();
    expect((await events()).filter((e) => e.includes('Patroni configuration updated')).length).toBe(patched);
    expect(Object.keys((await patroniConfig()).slots as object).sort()).toEqual(['by_hand', 'from_manifest']);
  }, 300_000);
});

describe('connection pooler', () => {
  const POOLER = `${NAME}-pooler`;
  const REPL_POOLER = `${NAME}-pooler-repl`;
  const poolerPods = async (name: string) => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `connection-pooler=${name}` })).items;
  /** what `kubectl get` prints of the pooler pods when one is not ready: a failure then says why */
  const poolerState = async () => JSON.stringify((await poolerPods(POOLER)).concat(await poolerPods(REPL_POOLER)).map((p) => ({ name: p.metadata?.name, phase: p.status?.phase, conditions: p.status?.conditions, containers: p.status?.containerStatuses })));
  /** psql from a member pod (kubectl exec) through a pooler Service as app_owner: "server address, in recovery" */
  const viaPooler = async (from: string, host: string) =>
    (await kubectl('exec', from, '--', 'env', `PGPASSWORD=${await password('app_owner')}`, 'psql', '-h', host, '-U', 'app_owner', '-d', 'app', '-tAc', "select host(inet_server_addr()) || ' ' || pg_is_in_recovery()").catch((e: unknown) => String((e as { stderr?: string }).stderr ?? e))).trim();
  /** PgBouncer's admin console behind `host` (the pooler user is its admin): its server connections as "user database addr" */
  const servers = async (from: string, host: string) =>
    (await kubectl('exec', from, '--', 'env', `PGPASSWORD=${await password('pooler')}`, 'psql', '-h', host, '-U', 'pooler', '-d', 'pgbouncer', '-tA', '-F', ' ', '-c', 'SHOW SERVERS'))
      .split('\n')
      .filter((l) => l.startsWith('S '))
      .map((l) => l.split(' ').slice(1, 3).concat(l.split(' ')[4] ?? '').join(' '));
  /**
   * A query through `host` answers from `server` (a primary or not), and that pooler's PgBouncer holds app_owner's
   * server connection to it: the query went through PgBouncer, not around it. (The server sees every loopback client
   * as 127.0.0.1, so its client address proves nothing here.)
   */
  const routed = (from: string, host: string, server: string, recovery: boolean) =>
    eventually(`psql through ${host} reaching ${server}`, async () => {
      const answer = await viaPooler(from, host);
      if (answer !== `${server} ${String(recovery)}`) throw new Error(answer); // the last answer is in the timeout's message
      const held = await servers(from, host);
      if (!held.includes(`app_owner app ${server}`)) throw new Error(`PgBouncer's servers: ${held.join('; ')}`);
      return true;
    }, 90_000, 1000);

  it('enabled: Zalando objects, a real PgBouncer routes psql from a pod to the leader (also after a switchover) and the replica pooler to a replica; disabled: all gone', async () => {
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', '{"spec":{"enableConnectionPooler":true,"enableReplicaConnectionPooler":true,"connectionPooler":{"numberOfInstances":1}}}');
    for (const name of [POOLER, REPL_POOLER]) {
      await eventually(`${name} pod ready`, async () => {
        const ready = (await poolerPods(name)).filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (ready.length === 1) return true;
        throw new Error(await poolerState());
      }, 180_000, 1000);
    }
    expect((await kubectl('get', 'deploy,svc,secret', '-l', `application=db-connection-pooler,cluster-name=${NAME}`, '-o', 'name')).trim().split('\n').sort()).toEqual([
      `deployment.apps/${POOLER}`,
      `deployment.apps/${REPL_POOLER}`,
      `secret/${POOLER}-u`,
      `secret/${REPL_POOLER}-u`,
      `secret/pooler.${NAME}.credentials.postgresql.acid.zalan.do`,
      `service/${POOLER}`,
      `service/${REPL_POOLER}`,
    ].sort());
    // the pooler user exists and the lookup function is in every database
    expect(await su("select rolcanlogin from pg_roles where rolname = 'pooler'")).toEqual([{ rolcanlogin: true }]);
    for (const db of ['postgres', 'app', 'shop']) expect(await su("select 1 as ok from pg_proc p join pg_namespace n on n.oid = p.pronamespace where nspname = 'pooler' and proname = 'user_lookup'", db)).toEqual([{ ok: 1 }]);

    const leader = (await pods()).find((p) => p.role === 'master')!;
    const replica = (await pods()).find((p) => p.role === 'replica')!;
    await routed(replica.name, POOLER, leader.ip, false);
    await routed(leader.name, REPL_POOLER, replica.ip, true);

    // a switchover: the pooler follows the leader, the replica pooler the new replica
    const res = await fetch(`http://${leader.ip}:8008/switchover`, { method: 'POST', body: JSON.stringify({ leader: leader.name, candidate: replica.name }), signal: AbortSignal.timeout(30_000) });
    expect(res.status).toBe(200);
    await eventually('the old replica leads', async () => (await pods()).find((p) => p.role === 'master')?.name === replica.name, 90_000, 500);
    await routed(leader.name, POOLER, replica.ip, false);
    await routed(replica.name, REPL_POOLER, leader.ip, true);

    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', '{"spec":{"enableConnectionPooler":false,"enableReplicaConnectionPooler":false}}');
    await eventually('pooler objects gone', async () => (await kubectl('get', 'deploy,svc,secret', '-l', `application=db-connection-pooler,cluster-name=${NAME}`, '-o', 'name')).trim() === '', 90_000, 1000);
    await eventually('pooler pods gone', async () => (await poolerPods(POOLER)).length + (await poolerPods(REPL_POOLER)).length === 0, 90_000, 1000);
    expect(await kubectl('get', 'secret', `pooler.${NAME}.credentials.postgresql.acid.zalan.do`, '--ignore-not-found', '-o', 'name')).toBe('');
  }, 600_000);
});
