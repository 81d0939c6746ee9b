// Roles that come from outside the manifest, with real members: infrastructure
// roles from Zalando's own example Secrets (legacy numbered format, its
// ConfigMap, and the new format), PostgresTeam members (watched: renamed with
// the deletion suffix and NOLOGIN when they leave the team, renamed back when
// they return), password rotation (in place, and rotation roles <user>YYMMDD
// with old ones dropped past retention); a second sync writes nothing; a
// superuser Secret deleted by hand gets a password that logs in. Logins go over
// TCP, where the members' pg_hba asks for the password.
import * as k8s from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterManifest } from '../../src/sandbox/demo/samples.ts';
import { startMemberWorld, type MemberWorld } from '../helpers/member-world.ts';
import { loginQuery } from '../helpers/pg-login.ts';
import { eventually } from '../helpers/sandbox.ts';

const NAME = 'acid-roles';
const FIXTURES = '/work/shared/fixtures/zalando';
const secretName = (user: string) => `${user.replaceAll('_', '-')}.${NAME}.credentials.postgresql.acid.zalan.do`;

let w: MemberWorld;
let core: k8s.CoreV1Api;
const kubectl = (...args: string[]) => w.kubectl(...args);

async function secret(user: string): Promise<Record<string, string>> {
  const s = await core.readNamespacedSecret({ namespace: 'default', name: secretName(user) });
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

async function leaderIp(): Promise<string> {
  return eventually('a leader', async () => {
    const list = await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME},spilo-role=master` });
    return list.items[0]?.status?.podIP || undefined;
  }, 90_000, 500) as Promise<string>;
}

const login = async (user: string, password: string, sql?: string) => loginQuery({ host: await leaderIp(), user, password }, sql);
const su = async (sql: string, params: unknown[] = []) => loginQuery({ host: await leaderIp(), user: 'postgres', password: (await secret('postgres')).password! }, sql, params);

/** name, LOGIN, SUPERUSER, CREATEDB, memberships and settings of the roles asked about */
const roles = (names: string[]) =>
  su(
    `select r.rolname as name, r.rolcanlogin as login, r.rolsuper as super, r.rolcreatedb as createdb,
       array(select b.rolname::text from pg_auth_members m join pg_roles b on b.oid = m.roleid where m.member = r.oid order by 1) as "memberOf",
       coalesce((select setconfig from pg_db_role_setting s where s.setrole = r.oid and s.setdatabase = 0), '{}') as config
     from pg_roles r where r.rolname = any($1) order by 1`,
    [names],
  );

function logLines<T>(msg: string): T[] {
  return readFileSync(join(w.dir, 'operator.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`) && l.includes(NAME))
    .map((l) => JSON.parse(l) as T);
}
const syncLines = () => logLines<{ sqlWrites: number }>('postgres sync done');

async function resync(): Promise<{ sqlWrites: number }> {
  const before = syncLines().length;
  await kubectl('label', 'postgresql', NAME, `resync=${Date.now()}`, '--overwrite');
  return eventually('another sync', () => syncLines()[before], 60_000, 200);
}

async function events(): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${NAME}` });
  return list.items.map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

const configure = (data: Record<string, string>) => kubectl('-n', 'zpg-system', 'patch', 'configmap', 'postgres-operator', '--type', 'merge', '-p', JSON.stringify({ data }));
const setTeam = (members: string[]) =>
  kubectl('patch', 'postgresteam', 'custom-team-membership', '--type', 'merge', '-p', JSON.stringify({ spec: { additionalMembers: { acid: members } } }));

beforeAll(async () => {
  w = await startMemberWorld('zpg-roles-', [180, 189]);
  core = w.kc.makeApiClient(k8s.CoreV1Api);
  // Zalando's example objects, verbatim: the legacy Secret and its ConfigMap where the operator runs, the new-format
  // Secret in "default" (the ConfigMap spelling of infrastructure_roles_secrets names that namespace by default).
  await kubectl('-n', 'zpg-system', 'apply', '-f', join(FIXTURES, 'infrastructure-roles.yaml'), '-f', join(FIXTURES, 'infrastructure-roles-configmap.yaml'));
  await kubectl('-n', 'default', 'apply', '-f', join(FIXTURES, 'infrastructure-roles-new.yaml'), '-f', join(FIXTURES, 'custom-team-membership.yaml'));
  await configure({
    infrastructure_roles_secret_name: 'postgresql-infrastructure-roles',
    infrastructure_roles_secrets: 'secretname:postgresql-infrastructure-roles-new,userkey:user,passwordkey:password,defaultrolevalue:robot_zmon',
    enable_postgres_team_crd: 'true',
    enable_team_member_deprecation: 'true',
    // nothing here waits for a periodic resync: changes reach the cluster through the watches (or resync() below)
    resync_period: '24h',
  });
}, 60_000);

afterAll(async () => {
  if (process.env.ZPG_KEEP_LOG && w) writeFileSync(process.env.ZPG_KEEP_LOG, readFileSync(join(w.dir, 'operator.log')));
  expect(await w?.stop()).toEqual([]);
}, 60_000);

describe('roles from outside the manifest', () => {
  it('infrastructure roles from both Secret formats and the ConfigMap, and PostgresTeam members, exist as specified', async () => {
    const file = join(w.dir, 'cluster.yaml');
    writeFileSync(file, JSON.stringify(clusterManifest({ name: NAME, instances: 1 })));
    await kubectl('apply', '-f', file);
    await eventually('the infrastructure and team roles exist', async () => (await roles(['batman', 'elephant', 'robot_zmon_acid_monitoring_new']).catch(() => [])).length === 3, 120_000, 1000);

    // inrole names robot_zmon, which exists nowhere: the role is made without it; once it exists, the membership follows.
    await su('create role robot_zmon nologin');
    // (a sync already running when the label lands may not see robot_zmon yet: wait for the membership, then look)
    const names = ['batman', 'elephant', 'robot_zmon_acid_monitoring', 'robot_zmon_acid_monitoring_new', 'testuser'];
    await eventually('memberships in robot_zmon', async () => {
      await resync();
      return (await roles(names)).filter((r) => (r.memberOf as string[]).includes('robot_zmon')).length === 2;
    }, 60_000, 200);
    expect(await roles(names)).toEqual([
      // ConfigMap: inrole [admin], user_flags [createdb], db_parameters; the password from the Secret's "batman" key
      { name: 'batman', login: true, super: false, createdb: true, memberOf: ['admin'], config: ['log_statement=all'] },
      // PostgresTeam additionalMembers of the cluster's team: LOGIN, in pam_role_name and team_admin_role, team_api_role_configuration
      { name: 'elephant', login: true, super: false, createdb: false, memberOf: ['admin', 'zalandos'], config: ['log_statement=all'] },
      // legacy numbered format: user1/password1/inrole1
      { name: 'robot_zmon_acid_monitoring', login: true, super: false, createdb: false, memberOf: ['robot_zmon'], config: [] },
      // new format: userkey/passwordkey, role from defaultrolevalue
      { name: 'robot_zmon_acid_monitoring_new', login: true, super: false, createdb: false, memberOf: ['robot_zmon'], config: [] },
      { name: 'testuser', login: true, super: false, createdb: false, memberOf: [], config: [] },
    ]);
    // each logs in with the password in its Secret
    expect(await login('robot_zmon_acid_monitoring', 'foobar')).toEqual([{ u: 'robot_zmon_acid_monitoring' }]);
    await expect(login('robot_zmon_acid_monitoring', 'wrong')).rejects.toThrow(/password authentication failed/);
    expect(await login('robot_zmon_acid_monitoring_new', 'foobar_new')).toEqual([{ u: 'robot_zmon_acid_monitoring_new' }]);
    expect(await login('testuser', 'testpassword')).toEqual([{ u: 'testuser' }]);
    expect(await login('batman', 'justice')).toEqual([{ u: 'batman' }]);

    // the operator API's /config lists them, passwords masked
    const config = (await (await fetch(`${w.operatorUrl}/config`, { signal: AbortSignal.timeout(5000) })).json()) as { controller: { InfrastructureRoles: Record<string, { Password: string; MemberOf: string[] }> } };
    const infra = config.controller.InfrastructureRoles;
    expect(Object.keys(infra)).toEqual(expect.arrayContaining(['batman', 'robot_zmon_acid_monitoring', 'robot_zmon_acid_monitoring_new', 'testuser']));
    expect(infra.batman!.MemberOf).toEqual(['admin']);
    const text = JSON.stringify(config);
    for (const pw of ['foobar', 'justice', 'testpassword']) expect(text).not.toContain(`"${pw}`);
  }, 240_000);

  it('a second sync issues no SQL write', async () => {
    await resync();
    const line = await resync();
    expect(line.sqlWrites).toBe(0);
  }, 120_000);

  it('a database whose owner does not exist: one Warning, not one more on every sync', async () => {
    const message = 'database "orphan_db": role "nosuchowner" does not exist';
    const told = async () =>
      (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${NAME}` })).items.filter((e) => e.message === message).reduce((n, e) => n + (e.count ?? 1), 0);
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', JSON.stringify({ spec: { databases: { orphan_db: 'nosuchowner' } } }));
    try {
      await eventually('the Warning', async () => (await told()) > 0 || undefined, 60_000, 200);
      await resync();
      await resync();
      // each of those syncs failed the same way (and the daemon retried sooner): the event was written once
      expect(await told()).toBe(1);
    } finally {
      // the tests after this one expect syncs that succeed
      await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', JSON.stringify({ spec: { databases: { orphan_db: null } } }));
      await resync();
    }
  }, 240_000);

  it('a PostgresTeam change reaches the cluster at once (watched; the resync is a day away): a removed member is renamed with the suffix and NOLOGIN, a re-added one renamed back with LOGIN', async () => {
    const queuedByTeam = () => logLines<{ clusters: string }>('PostgresTeam changed: clusters queued').filter((l) => l.clusters.split(',').includes(`default/${NAME}`)).length;
    const queued = queuedByTeam();
    await setTeam(['mammoth']);
    // no resync() here: the watch queues the cluster, well before resync_period
    await eventually('mammoth made', async () => (await roles(['mammoth'])).length === 1, 60_000, 500);
    expect(queuedByTeam()).toBeGreaterThan(queued);
    expect(await roles(['elephant', 'elephant_deleted', 'mammoth'])).toEqual([
      { name: 'elephant_deleted', login: false, super: false, createdb: false, memberOf: ['admin', 'zalandos'], config: ['log_statement=all'] },
      { name: 'mammoth', login: true, super: false, createdb: false, memberOf: ['admin', 'zalandos'], config: ['log_statement=all'] },
    ]);
    expect(await events()).toContain('Normal Sync: team member role "elephant" left the team: renamed to "elephant_deleted", NOLOGIN');

    await setTeam(['mammoth', 'elephant']);
    await eventually('elephant back', async () => (await roles(['elephant'])).length === 1, 60_000, 500);
    expect((await roles(['elephant', 'elephant_deleted'])).map((r) => [r.name, r.login])).toEqual([['elephant', true]]);
    expect((await resync()).sqlWrites).toBe(0);
  }, 120_000);

  it('password rotation: in place for one user, a dated rotation role for another; an expired rotation role is dropped; off again restores the user', async () => {
    // a rotation role from long ago, past any retention
    await su('create role app_user200101 login');
    await kubectl('patch', 'postgresql', NAME, '--type', 'merge', '-p', JSON.stringify({ spec: { users: { zalando: ['superuser', 'createdb'], app_user: [], app_inplace: [] }, usersWithSecretRotation: ['app_user'], usersWithInPlaceSecretRotation: ['app_inplace'] } }));
    await eventually('both Secrets carry nextRotation', async () => {
      const [a, b] = await Promise.all([secret('app_user').catch(() => ({}) as Record<string, string>), secret('app_inplace').catch(() => ({}) as Record<string, string>)]);
      return Boolean(a.nextRotation && b.nextRotation);
    }, 120_000, 1000);
    const first = await secret('app_inplace');
    // the interval is 90 days: the first sync only dates the next rotation
    expect(Date.parse(first.nextRotation!) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(first.username).toBe('app_inplace');
    // (the sync dates the Secret before it makes the role: wait for the role, then log in)
    await eventually('app_inplace logs in', async () => (await login('app_inplace', first.password!)).length === 1, 60_000, 500);
    expect(await login('app_inplace', first.password!)).toEqual([{ u: 'app_inplace' }]);

    // the rotation date passes (as a clock would move it): the next sync rotates
    const due = Buffer.from('2020-01-01T00:00:00Z').toString('base64');
    for (const user of ['app_inplace', 'app_user']) await kubectl('patch', 'secret', secretName(user), '--type', 'merge', '-p', JSON.stringify({ data: { nextRotation: due } }));
    // (a Secret change may itself start the sync that rotates: wait for the state, then look)
    await eventually('both rotated', async () => {
      await resync();
      const [a, b] = await Promise.all([secret('app_inplace'), secret('app_user')]);
      return a.password !== first.password && /^app_user\d{6}$/.test(b.username ?? '');
    }, 120_000, 1000);
    const inPlace = await secret('app_inplace');
    expect(inPlace.username).toBe('app_inplace');
    expect(inPlace.password).not.toBe(first.password);
    expect(Date.parse(inPlace.nextRotation!) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(await login('app_inplace', inPlace.password!)).toEqual([{ u: 'app_inplace' }]);
    await expect(login('app_inplace', first.password!)).rejects.toThrow(/password authentication failed/);
    const yymmdd = new Date().toISOString().slice(2, 10).replaceAll('-', '');
    const rotated = await secret('app_user');
    expect(rotated.username).toBe(`app_user${yymmdd}`); // the UTC date of the rotation
    expect(await login(rotated.username!, rotated.password!, "select current_user as u, pg_has_role(current_user, 'app_user', 'member') as member")).toEqual([{ u: rotated.username, member: true }]);
    expect(Date.parse(rotated.nextRotation!) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    // nothing is due now: a sync writes nothing
    await resync();
    expect((await resync()).sqlWrites).toBe(0);
    // the old rotation role, far past password_rotation_user_retention (180 days), is gone; app_user itself stays
    await eventually('the expired rotation role is dropped', async () => (await roles(['app_user200101'])).length === 0, 60_000, 1000);
    expect((await roles(['app_user'])).map((r) => r.name)).toEqual(['app_user']);
    expect((await events()).some((e) => e.startsWith('Normal Sync: rotation role "app_user200101" of "app_user" is older than 180 days: dropped'))).toBe(true);

    // rotation off again: the Secret names app_user once more, with a new password that logs in
    await kubectl('patch', 'postgresql', NAME, '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/usersWithSecretRotation' }, { op: 'remove', path: '/spec/usersWithInPlaceSecretRotation' }]));
    await eventually('app_user back in its Secret and logging in', async () => {
      const s = await secret('app_user');
      return s.username === 'app_user' && (await login('app_user', s.password!).catch(() => [])).length === 1;
    }, 120_000, 1000);
  }, 360_000);

  it('a superuser Secret deleted by hand: its new password is set in PostgreSQL (through the local socket: TCP asks for the old one) and the pod rolls', async () => {
    const old = (await secret('postgres')).password!;
    const podUid = async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME}` })).items.find((p) => !p.metadata?.deletionTimestamp)?.metadata?.uid;
    const before = await podUid();
    await kubectl('delete', 'secret', secretName('postgres'));
    const fresh = await eventually('a new superuser Secret', async () => {
      const p = (await secret('postgres').catch(() => ({}) as Record<string, string>)).password;
      return p && p !== old ? p : undefined;
    }, 60_000, 500) as string;
    await eventually('the new password logs in', async () => (await login('postgres', fresh).catch(() => [])).length === 1, 90_000, 1000);
    expect(await events()).toContain(`Warning Secrets: password of role "postgres" did not match Secret "${secretName('postgres')}": set in PostgreSQL from the Secret`);
    // the pod read the old password at its start: it is recreated, and the cluster syncs again with the new one
    await eventually('the pod recreated', async () => {
      const now = await podUid();
      return now !== undefined && now !== before;
    }, 180_000, 1000);
    await eventually('roles sync again', async () => (await resync()).sqlWrites === 0, 180_000, 1000);
    expect(await login('postgres', fresh)).toEqual([{ u: 'postgres' }]);
    await expect(login('postgres', old)).rejects.toThrow(/password authentication failed/);
  }, 420_000);

  it('a replication user Secret deleted by hand: its new password is set in PostgreSQL, with a Warning, and the pod rolls so Patroni replicates with it', async () => {
    const old = (await secret('standby')).password!;
    const podUid = async () => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `cluster-name=${NAME}` })).items.find((p) => !p.metadata?.deletionTimestamp)?.metadata?.uid;
    const before = await podUid();
    await kubectl('delete', 'secret', secretName('standby'));
    const fresh = await eventually('a new replication user Secret', async () => {
      const p = (await secret('standby').catch(() => ({}) as Record<string, string>)).password;
      return p && p !== old ? p : undefined;
    }, 60_000, 500) as string;
    await eventually('the new password logs in', async () => (await login('standby', fresh).catch(() => [])).length === 1, 90_000, 1000);
    expect(await events()).toContain(`Warning Secrets: password of role "standby" did not match Secret "${secretName('standby')}": set in PostgreSQL from the Secret`);
    await eventually('the pod recreated', async () => {
      const now = await podUid();
      return now !== undefined && now !== before;
    }, 180_000, 1000);
    await eventually('roles sync again', async () => (await resync()).sqlWrites === 0, 180_000, 1000);
    expect(await login('standby', fresh)).toEqual([{ u: 'standby' }]);
    await expect(login('standby', old)).rejects.toThrow(/password authentication failed/);
  }, 420_000);

  it("every credentials Secret of the cluster deleted at once: each comes back with a new password that logs in", async () => {
    const creds = async () =>
      (await core.listNamespacedSecret({ namespace: 'default', labelSelector: `cluster-name=${NAME}` })).items
        .filter((x) => x.metadata?.name?.endsWith('.credentials.postgresql.acid.zalan.do'))
        .map((x) => ({ name: x.metadata!.name!, user: Buffer.from(x.data!.username!, 'base64').toString(), password: Buffer.from(x.data!.password!, 'base64').toString() }));
    const before = await creds();
    expect(before.length).toBeGreaterThan(3);
    const canLogin = new Set((await su('select rolname from pg_roles where rolcanlogin')).map((r) => (r as { rolname: string }).rolname));
    await kubectl('delete', 'secret', ...before.map((b) => b.name));
    const after = await eventually('every Secret back with a new password', async () => {
      const now = await creds();
      return before.every((b) => now.some((n) => n.name === b.name && n.password !== b.password)) ? now : undefined;
    }, 120_000, 1000);
    for (const b of before.filter((x) => canLogin.has(x.user))) {
      const fresh = after!.find((n) => n.name === b.name)!.password;
      await eventually(`${b.user} logs in with its new password`, async () => (await login(b.user, fresh).catch(() => [])).length === 1, 180_000, 1000);
    }
    await eventually('roles sync again', async () => (await resync()).sqlWrites === 0, 180_000, 1000);
  }, 600_000);
});
