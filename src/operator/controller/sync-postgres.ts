// After the Kubernetes objects are written, the cluster's insides: Patroni's
// dynamic configuration (and the restarts it asks for), then roles, databases
// and prepared databases over SQL on the leader. Each failure is a Warning
// event naming the object; the rest still syncs. Without a leader it asks to
// come back later.
import type * as k8s from '@kubernetes/client-node';
import type pg from 'pg';
import type { BuiltCluster, KubeObj } from '../build/cluster.ts';
import { ROLLING_UPDATE_ANNOTATION, secretName, type ClusterContext, type Role } from '../build/meta.ts';
import { poolerAuthSecret, poolerRoles, poolerSchema, poolerUser, userlist } from '../build/pooler.ts';
import { LOOKUP_PRESENT, lookupStatements } from '../reconcile/pooler-lookup.ts';
import { loginUsers } from '../build/secrets.ts';
import type { Postgresql } from '../model/types.ts';
import { diffDatabases, preparedStatements, wantedDatabases } from '../reconcile/databases.ts';
import { desiredRoles } from '../reconcile/desired-roles.ts';
import type { InfrastructureConfig } from '../reconcile/infrastructure-roles.ts';
import { expiredRotationRoles, retentionDays, rotate, type RotationUser } from '../reconcile/password-rotation.ts';
import { teamMap, teamMemberRoles, type PostgresTeamSpec } from '../reconcile/team-members.ts';
import { infrastructureRoleReader, postgresTeamReader, type InfrastructureRead } from '../../services/postgres/role-sources.ts';
import { patroniConfigDiff, restartOrder } from '../reconcile/patroni-config.ts';
import { passwordEncryption, verifierFor } from '../reconcile/role-password.ts';
import { changeTarget, diffRoles, ident, roleStatements } from '../reconcile/roles.ts';
import type { EventType } from '../../services/kube/events.ts';
import type { Logger } from '../../services/log.ts';
import { PatroniClient, type PatroniTransport } from '../../services/patroni/client.ts';
import { memberTransports, type MemberAddress } from '../../services/patroni/transports.ts';
import { isLeaderRole } from '../../services/patroni/types.ts';
import { readDatabases, readDatabaseState, readRoles } from '../../services/postgres/catalog.ts';
import { pgConnector, type MemberTarget, type PgConnector } from '../../services/postgres/connect.ts';
import { secretReader, type SecretCredentials, type SecretReader } from '../../services/postgres/credentials.ts';
import { isTransientSqlError, redact, runStatements, serverMessage, type SqlCounter } from '../../services/postgres/execute.ts';
import { localSql, type LocalSql } from '../../services/postgres/local-sql.ts';
import { randomBytes } from 'node:crypto';
import type { ReconcilerDeps } from './reconciler.ts';

/** How the daemon reaches members and reads passwords; absent in tests that run without members. */
export interface PostgresAccess {
  connect: PgConnector;
  secrets: SecretReader;
  patroni: (m: MemberAddress) => PatroniTransport;
  /** extra roles for every cluster (infrastructure roles), read when a sync needs them */
  infrastructureRoles?: (config: InfrastructureConfig) => Promise<InfrastructureRead>;
  /** PostgresTeam objects (enable_postgres_team_crd), every namespace */
  postgresTeams?: () => Promise<PostgresTeamSpec[]>;
  /** the clock password rotation reads (tests move it) */
  now?: () => Date;
  /** SQL through a member's local socket (psql in the pod), for a superuser password PostgreSQL does not know */
  localSql?: LocalSql;
}

export function postgresAccess(kc: k8s.KubeConfig, operatorNamespace = 'default'): PostgresAccess {
  const teams = postgresTeamReader(kc);
  return {
    connect: pgConnector(kc),
    secrets: secretReader(kc),
    patroni: memberTransports(kc),
    infrastructureRoles: infrastructureRoleReader(kc, operatorNamespace),
    postgresTeams: () => teams(),
    localSql: localSql(kc),
  };
}

export interface SyncPostgresDeps extends Pick<ReconcilerDeps, 'cache' | 'writer' | 'events' | 'config'> {
  postgres?: PostgresAccess;
}

export interface ClusterMemory {
  /** slots the manifest set at the last sync */
  slots?: string[];
  /** the last PATCH changed only decreases of connection-like parameters */
  primaryFirst?: boolean;
  /** failure warnings already told: a resync that fails the same way must not write the event again */
  told?: Set<string>;
  /** team members wanted at the last sync: one missing now is deprecated (Zalando's pgUsersCache) */
  teamMembers?: string[];
  /** since when (ms) every sync of roles and databases has failed only the way a leader change makes it fail */
  transientSince?: number;
}

const NO_LEADER_RETRY_MS = 10_000;
const FAILURE_RETRY_MS = 30_000;
/** a sync cut off by a switchover or restart is tried again this soon, and told as a Warning only if it lasts this long */
const TRANSIENT_RETRY_MS = 5_000;
const TRANSIENT_GRACE_MS = 60_000;
const memory = new WeakMap<object, Map<string, ClusterMemory>>();

/** A statement cut off with its session (a switchover, a restart) ends the whole pass: syncPostgres tries it again. */
function throwIfInterrupted(e: unknown): void {
  if (isTransientSqlError(e)) throw e;
}

export interface PostgresSyncResult {
  requeueAfterMs?: number;
  /** SQL statements that wrote (CREATE, ALTER, GRANT, ...) in this pass */
  sqlWrites?: number;
}

export async function syncPostgres(deps: SyncPostgresDeps, pg: Postgresql, built: BuiltCluster, log: Logger): Promise<PostgresSyncResult> {
  const access = deps.postgres;
  const c = built.context;
  if (!access || (pg.spec.numberOfInstances ?? 0) < 1) return {};
  const key = `${c.namespace}/${c.name}`;
  const mem = memoryOf(deps, key);
  const on = (type: EventType, reason: string, message: string) =>
    deps.events.record({ apiVersion: 'acid.zalan.do/v1', kind: 'postgresql', name: c.name, namespace: c.namespace, uid: pg.metadata.uid }, type, reason, message);
  // The same failure on every resync is told once; a success lets it be told again.
  const toldBefore = mem.told ?? new Set<string>();
  mem.told = new Set();
  const warnOnce = async (reason: string, message: string) => {
    mem.told!.add(`${reason}|${message}`);
    if (!toldBefore.has(`${reason}|${message}`)) await on('Warning', reason, message);
  };

  const pods = deps.cache.pods(c.namespace, { ...c.config.cluster_labels, [c.config.cluster_name_label]: c.name }).filter((p) => !p.metadata.deletionTimestamp);
  const address = (p: (typeof pods)[number]): MemberTarget => ({ namespace: c.namespace, pod: p.metadata.name, podIP: (p as { status?: { podIP?: string } }).status?.podIP });
  const leaderPod = pods.find((p) => isLeaderRole(p.metadata.labels?.[c.config.pod_role_label] ?? ''));
  if (!leaderPod) {
    log.info('no leader yet: PostgreSQL sync waits');
    return { requeueAfterMs: NO_LEADER_RETRY_MS };
  }
  const leader = address(leaderPod);
  let requeueAfterMs: number | undefined;
  const later = (ms: number) => (requeueAfterMs = Math.min(requeueAfterMs ?? ms, ms));

  // Patroni's dynamic configuration, then any restart it asks for.
  try {
    const patroni = new PatroniClient(access.patroni(leader));
    const current = await patroni.config();
    const diff = patroniConfigDiff(current, pg.spec, c.config.enable_patroni_failsafe_mode, mem.slots);
    mem.slots = diff.managedSlots;
    if (diff.patch) {
      await patroni.patchConfig(diff.patch);
      mem.primaryFirst = diff.primaryFirst;
      log.info('patched Patroni configuration', { keys: Object.keys(diff.patch).join(',') });
      await on('Normal', 'Patroni', `Patroni configuration updated: ${describePatch(diff.patch)}`);
      later(((Number(current.loop_wait) || 10) + 2) * 1000); // Patroni notices pending restarts on its next loop
    } else if (!pods.some((p) => p.metadata.annotations?.[ROLLING_UPDATE_ANNOTATION] === 'true')) {
      // While pods wait for a roll, recreating them applies the parameters: a restart now would fight the rollout.
      await restartPending(patroni, pods.map(address), access, mem, on, log);
    }
  } catch (e) {
    log.warn('Patroni configuration sync failed', { error: serverMessage(e) });
    await warnOnce('Patroni', `could not sync Patroni configuration: ${serverMessage(e)}`);
    later(FAILURE_RETRY_MS);
  }

  if (pg.spec.standby) return { requeueAfterMs }; // a standby cluster is read-only: its roles come from its source
  const counter: SqlCounter = { statements: 0 };
  try {
    const failed = await syncRolesAndDatabases(deps, access, c, leader, pods.map(address), counter, log, on, warnOnce, mem);
    mem.transientSince = undefined;
    if (failed) later(FAILURE_RETRY_MS);
  } catch (e) {
    const now = (access.now?.() ?? new Date()).getTime(); // the clock the rest of the sync reads
    const transient = isTransientSqlError(e);
    mem.transientSince = transient ? (mem.transientSince ?? now) : undefined;
    if (transient && now - mem.transientSince! < TRANSIENT_GRACE_MS) {
      // The leader went away under the sync (a switchover, a restart): no news, unless it lasts.
      log.info('PostgreSQL sync interrupted; trying again soon', { error: serverMessage(e) });
      for (const t of toldBefore) mem.told!.add(t);
      later(TRANSIENT_RETRY_MS);
    } else {
      log.warn('PostgreSQL sync failed', { error: serverMessage(e) });
      await warnOnce('Sync', `could not sync roles and databases: ${serverMessage(e)}`);
      later(FAILURE_RETRY_MS);
    }
  }
  log.info('postgres sync done', { sqlWrites: counter.statements });
  return { requeueAfterMs, sqlWrites: counter.statements };
}

function memoryOf(deps: object, key: string): ClusterMemory {
  let m = memory.get(deps);
  if (!m) memory.set(deps, (m = new Map()));
  let v = m.get(key);
  if (!v) m.set(key, (v = {}));
  return v;
}

function describePatch(patch: Record<string, unknown>): string {
  const keys = Object.keys(patch).filter((k) => k !== 'postgresql');
  const pgPart = (patch.postgresql ?? {}) as { parameters?: Record<string, unknown>; pg_hba?: unknown };
  keys.push(...Object.keys(pgPart.parameters ?? {}).map((k) => `postgresql.parameters.${k}`));
  if (pgPart.pg_hba) keys.push('postgresql.pg_hba');
  return keys.join(', ');
}

type On = (type: EventType, reason: string, message: string) => Promise<void>;

/**
 * Members Patroni reports as pending restart: restarted one by one, replicas first (or the leader first for pure
 * decreases). /cluster reads the DCS, where a member's flag lasts until its next loop: each member's own
 * /patroni confirms the restart is still pending, or a member restarted a moment ago would be restarted again.
 */
export async function restartPending(patroni: PatroniClient, members: MemberTarget[], access: Pick<PostgresAccess, 'patroni'>, mem: ClusterMemory, on: On, log: Logger): Promise<void> {
  const view = await patroni.cluster();
  const pending = view.members.filter((m) => m.pendingRestart).map((m) => ({ name: m.name, leader: isLeaderRole(m.role) }));
  if (pending.length === 0) return;
  for (const m of restartOrder(pending, mem.primaryFirst ?? false)) {
    const target = members.find((t) => t.pod === m.name);
    if (!target) continue;
    // the status read keeps the client's short deadline; restart() sets its own long one
    const member = new PatroniClient(access.patroni(target));
    if (!(await member.member()).pendingRestart) continue;
    log.info('restarting member for pending parameters', { pod: m.name, role: m.leader ? 'master' : 'replica' });
    await on('Normal', 'Update', `restarting Postgres server within ${m.leader ? 'master' : 'replica'} pod ${m.name}`);
    await member.restart({ restartPending: true });
  }
  mem.primaryFirst = undefined;
}

async function syncRolesAndDatabases(
  deps: SyncPostgresDeps,
  access: PostgresAccess,
  c: ClusterContext,
  leader: MemberTarget,
  members: MemberTarget[],
  counter: SqlCounter,
  log: Logger,
  on: On,
  warnOnce: (reason: string, message: string) => Promise<void>,
  mem: ClusterMemory,
): Promise<boolean> {
  const { config } = c;
  const users = loginUsers(c);
  const byNamespace = new Map<string, Map<string, SecretCredentials>>();
  for (const ns of new Set(users.map((u) => u.namespace))) byNamespace.set(ns, await access.secrets(ns, `${config.cluster_name_label}=${c.name}`));
  const passwords = new Map<string, string>();
  const secretOf = new Map<string, string>();
  // The superuser's password as PostgreSQL knows it now: an in-place rotation below must still connect with it.
  let superPassword = byNamespace.get(c.namespace)?.get(secretName(config, config.super_username, c.name))?.password;
  if (!superPassword) throw new Error(`the superuser Secret ${secretName(config, config.super_username, c.name)} has no password`);
  const rotation = await rotateSecrets(deps, access, c, users, byNamespace, on, log);
  for (const u of users) {
    const name = secretName(config, u.name, c.name);
    const s = byNamespace.get(u.namespace)?.get(name);
    if (!s) continue;
    secretOf.set(u.name, name);
    // A Secret naming a rotation role holds that role's password; the user's own role keeps its password.
    if (s.username && s.username !== u.name) {
      rotation.rotated.push({ name: s.username, of: u.name, password: s.password });
      secretOf.set(s.username, name);
    } else passwords.set(u.name, s.password);
  }
  const infra = access.infrastructureRoles ? await access.infrastructureRoles(config) : { roles: [], warnings: [] };
  for (const w of infra.warnings) {
    log.warn('infrastructure role ignored', { reason: w });
    await warnOnce('InfrastructureRoles', w);
  }
  const infrastructure = infra.roles;
  let teamMembers: ReturnType<typeof teamMemberRoles> = [];
  if (config.enable_postgres_team_crd && access.postgresTeams && c.pg.spec.teamId) {
    teamMembers = teamMemberRoles(teamMap(await access.postgresTeams()), c.pg.spec.teamId, config);
  }
  const wantedMembers = teamMembers.map((m) => m.name);
  const deprecated = config.enable_team_member_deprecation ? (mem.teamMembers ?? []).filter((m) => !wantedMembers.includes(m)) : [];
  const poolers = poolerRoles(c.pg.spec);
  const pooler = poolers.length ? poolerUser(c) : undefined;
  if (pooler) {
    const s = byNamespace.get(c.namespace)?.get(secretName(config, pooler, c.name));
    if (s) passwords.set(pooler, s.password);
  }
  const client = await connectAsSuperuser(access, c, leader, superPassword, members, deps, on, log);
  let failed = false;
  const created: string[] = [];
  try {
    const all = await client.query<{ rolname: string }>('SELECT rolname FROM pg_catalog.pg_roles');
    const existing = new Set(all.rows.map((r) => r.rolname));
    const desired = desiredRoles(c, { passwords, existing, infrastructure, poolerUser: pooler, teamMembers, rotated: rotation.rotated });
    const suffix = config.role_deletion_suffix;
    const names = [...new Set([...desired.flatMap((d) => [d.name, d.name + suffix]), ...deprecated])];
    const current = await readRoles(client, names);
    // A rotation role takes its user's role settings (Zalando copies rolconfig to it).
    for (const r of rotation.rotated) {
      const spec = desired.find((d) => d.name === r.name);
      const base = current.find((d) => d.name === r.of);
      if (spec && base?.config.length) spec.parameters = Object.fromEntries(base.config.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    }
    const encryption = passwordEncryption(c.pg.spec.postgresql?.parameters);
    const changes = diffRoles(desired, current, { encryption, deletionSuffix: suffix, deprecated });
    const verifier = (user: string, password: string) => verifierFor(encryption, user, password, randomBytes(16));
    let systemPasswordChanged = false;
    for (const change of changes) {
      const target = changeTarget(change);
      const statements = roleStatements(change, verifier);
      try {
        await runStatements(client, statements, counter);
        log.info('role synced', { role: target, sql: statements.map(redact).join('; ') });
        if (change.op === 'rename') await on('Normal', 'Sync', change.login ? `team member role "${change.to}" is back: renamed from "${change.from}", LOGIN restored` : `team member role "${change.from}" left the team: renamed to "${change.to}", NOLOGIN`);
        if (change.op === 'alter' && change.passwordReplaced && rotation.inPlace.has(target)) {
          if (target === config.super_username || target === config.replication_username) systemPasswordChanged = true;
        } else if (change.op === 'alter' && change.passwordReplaced) {
          const secret = secretOf.get(target) ?? 'its Secret';
          await on('Warning', 'Secrets', `password of role "${target}" did not match Secret "${secret}": set in PostgreSQL from the Secret`);
          if (target === config.super_username || target === config.replication_username) systemPasswordChanged = true;
        }
      } catch (e) {
        throwIfInterrupted(e);
        failed = true;
        log.warn('role sync failed', { role: target, error: serverMessage(e) });
        await warnOnce('Sync', `role "${target}": ${serverMessage(e)}`);
      }
    }
    if (systemPasswordChanged) await markPodsForRoll(deps, members, on);
    // The superuser rotated in place: later connections use the password PostgreSQL has now.
    if (rotation.inPlace.has(config.super_username) && passwords.get(config.super_username)) superPassword = passwords.get(config.super_username)!;
    // Team members are remembered only once their roles synced: a failed pass deprecates nobody it never made.
    if (!failed) mem.teamMembers = wantedMembers;
    failed = (await dropExpiredRotationRoles(client, rotation.retention, access.now?.() ?? new Date(), retentionDays(config), counter, on, log)) || failed;

    const wanted = wantedDatabases(c);
    const dbChanges = diffDatabases(wanted, await readDatabases(client));
    for (const d of dbChanges) {
      try {
        await runStatements(client, [d.sql], counter, false);
        if (d.op === 'create') created.push(d.database);
        log.info('database synced', { database: d.database, sql: d.sql });
      } catch (e) {
        throwIfInterrupted(e);
        failed = true;
        log.warn('database sync failed', { database: d.database, error: serverMessage(e) });
        await warnOnce('Sync', `database "${d.database}": ${serverMessage(e)}`);
      }
    }
    for (const w of wanted) {
      if (!w.prepared) continue;
      if (dbChanges.some((d) => d.database === w.name && d.op === 'create') && !created.includes(w.name)) continue;
      let db: pg.Client | undefined;
      try {
        db = await access.connect(leader, { user: config.super_username, password: superPassword }, w.name);
        const statements = preparedStatements(w.prepared, await readDatabaseState(db), created.includes(w.name));
        await runStatements(db, statements, counter);
        if (statements.length) log.info('prepared database synced', { database: w.name, statements: statements.length });
      } catch (e) {
        throwIfInterrupted(e);
        failed = true;
        log.warn('prepared database sync failed', { database: w.name, error: serverMessage(e) });
        await warnOnce('Sync', `database "${w.name}": ${serverMessage(e)}`);
      } finally {
        await db?.end().catch(() => undefined);
      }
    }
    if (pooler) {
      const all = await readDatabases(client);
      failed = (await installLookup(access, c, leader, superPassword, pooler, [...all.keys()], counter, on, log)) || failed;
      await writeUserlists(deps, c, poolers, pooler, passwords.get(pooler), byNamespace.get(c.namespace));
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return failed;
}

/** The lookup function in every database that lacks it (checked per database: one query each). */
async function installLookup(access: PostgresAccess, c: ClusterContext, leader: MemberTarget, superPassword: string, user: string, databases: string[], counter: SqlCounter, on: On, log: Logger): Promise<boolean> {
  const schema = poolerSchema(c);
  let failed = false;
  for (const name of databases.filter((d) => d !== 'template0' && d !== 'template1')) {
    let db: pg.Client | undefined;
    try {
      db = await access.connect(leader, { user: c.config.super_username, password: superPassword }, name);
      if ((await db.query(LOOKUP_PRESENT, [schema, user])).rowCount) continue;
      await runStatements(db, lookupStatements(schema, user), counter);
      log.info('pooler lookup function installed', { database: name });
    } catch (e) {
      throwIfInterrupted(e);
      failed = true;
      await on('Warning', 'Sync', `database "${name}": pooler lookup function: ${serverMessage(e)}`);
    } finally {
      await db?.end().catch(() => undefined);
    }
  }
  return failed;
}

/** PgBouncer's auth_file per pooler role, rewritten only when the password changed. */
async function writeUserlists(deps: SyncPostgresDeps, c: ClusterContext, roles: Role[], user: string, password: string | undefined, secrets: Map<string, SecretCredentials> | undefined): Promise<void> {
  if (!password) return;
  const text = userlist([[user, password]]);
  for (const role of roles) {
    const want = poolerAuthSecret(c, role, text) as KubeObj;
    const have = secrets?.get(want.metadata.name);
    if (!have) await deps.writer.create(want);
    else if (have.data['userlist.txt'] !== text) await deps.writer.patch(want, { stringData: { 'userlist.txt': text } });
  }
}

/**
 * The superuser's connection over TCP. A superuser Secret made anew (deleted by hand) holds a password PostgreSQL
 * does not know, and TCP asks for it: the password is then set through the leader's local socket, which Spilo's
 * pg_hba trusts, and the pods are rolled so Patroni uses it too. Never a Secret whose password logs in nowhere.
 */
async function connectAsSuperuser(access: PostgresAccess, c: ClusterContext, leader: MemberTarget, password: string, members: MemberTarget[], deps: SyncPostgresDeps, on: On, log: Logger): Promise<pg.Client> {
  const user = c.config.super_username;
  try {
    return await access.connect(leader, { user, password });
  } catch (e) {
    if (!access.localSql || !/password authentication failed/.test(serverMessage(e))) throw e;
    const verifier = verifierFor(passwordEncryption(c.pg.spec.postgresql?.parameters), user, password, randomBytes(16));
    await access.localSql(leader, user, `ALTER ROLE ${ident(user)} PASSWORD '${verifier.replaceAll("'", "''")}';\n`);
    log.warn('superuser password set from its Secret through the local socket', { role: user });
    await on('Warning', 'Secrets', `password of role "${user}" did not match Secret "${secretName(c.config, user, c.name)}": set in PostgreSQL from the Secret`);
    await markPodsForRoll(deps, members, on);
    return access.connect(leader, { user, password });
  }
}

/** Pods read the superuser and replication passwords from the Secret at start: they are rolled to pick up a new one. */
async function markPodsForRoll(deps: SyncPostgresDeps, members: MemberTarget[], on: On): Promise<void> {
  for (const m of members) {
    await deps.writer.patch({ apiVersion: 'v1', kind: 'Pod', metadata: { name: m.pod, namespace: m.namespace } }, { metadata: { annotations: { [ROLLING_UPDATE_ANNOTATION]: 'true' } } });
  }
  await on('Warning', 'Secrets', 'a system user password changed: pods marked for a rolling update so Patroni uses the new password');
}

interface RotationResult {
  /** rotation roles named by Secrets: created or kept with the Secret's password */
  rotated: { name: string; of: string; password: string }[];
  /** users whose password was just rotated in place (their ALTER is a rotation, not a repair) */
  inPlace: Set<string>;
  /** users that moved to a new rotation role: their old rotation roles past retention are dropped */
  retention: string[];
}

/** Secrets whose rotation is due get a new password (and maybe username), written before the roles sync. */
async function rotateSecrets(deps: SyncPostgresDeps, access: PostgresAccess, c: ClusterContext, users: ReturnType<typeof loginUsers>, byNamespace: Map<string, Map<string, SecretCredentials>>, on: On, log: Logger): Promise<RotationResult> {
  const out: RotationResult = { rotated: [], inPlace: new Set(), retention: [] };
  const spec = c.pg.spec;
  const owners = new Set(Object.values(spec.databases ?? {}));
  const now = access.now?.() ?? new Date();
  for (const u of users) {
    const name = secretName(c.config, u.name, c.name);
    const s = byNamespace.get(u.namespace)?.get(name);
    if (!s) continue;
    const user: RotationUser = { name: u.name, origin: u.origin, dbOwner: owners.has(u.name) };
    const r = rotate(user, { username: s.username, password: s.password, nextRotation: s.data.nextRotation }, spec, c.config, now, () => randomBytes(48).toString('base64url').slice(0, 64));
    if (!r.secret) continue;
    const data = { username: r.secret.username, password: r.secret.password, nextRotation: r.secret.nextRotation ?? '' };
    const b64 = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    await deps.writer.patch({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: u.namespace } }, { data: b64 });
    const passwordChanged = r.secret.password !== s.password;
    Object.assign(s, { username: data.username, password: data.password, data: { ...s.data, ...data } });
    if (passwordChanged && r.inPlace) out.inPlace.add(u.name);
    if (r.retention) out.retention.push(u.name);
    log.info('password rotation', { secret: name, message: r.message });
    if (passwordChanged) await on('Normal', 'Secrets', `Secret "${name}": ${r.message}`);
  }
  return out;
}

/** Rotation roles older than the retention, of users that just rotated (Zalando checks only then). */
async function dropExpiredRotationRoles(client: pg.Client, users: string[], now: Date, days: number, counter: SqlCounter, on: On, log: Logger): Promise<boolean> {
  if (users.length === 0) return false;
  const found = await client.query<{ rolname: string }>("SELECT rolname FROM pg_catalog.pg_roles WHERE left(rolname, -6) = ANY($1) AND right(rolname, 6) ~ '^[0-9]{6}$'", [users]);
  let failed = false;
  for (const user of users) {
    for (const role of expiredRotationRoles(user, found.rows.map((r) => r.rolname), now, days)) {
      try {
        await runStatements(client, [`DROP ROLE ${ident(role)}`], counter);
        log.info('rotation role dropped', { role, user });
        await on('Normal', 'Sync', `rotation role "${role}" of "${user}" is older than ${days} days: dropped`);
      } catch (e) {
        throwIfInterrupted(e);
        failed = true;
        await on('Warning', 'Sync', `role "${role}": could not drop the expired rotation role: ${serverMessage(e)}`);
      }
    }
  }
  return failed;
}
