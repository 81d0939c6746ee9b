// patroni.yml for one member on a loopback address, using the Kubernetes DCS
// against the sandbox API. Shaped after what Spilo renders, minus the parts
// Debian's Patroni 3.0.2 ignores, plus what sharing one host needs: own
// address per member, own unix socket directory.
import { stringify } from 'yaml';
import { PG_BIN_DIR } from './preflight.ts';

export interface DcsTimings {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

/** Patroni's own defaults; tests pass {ttl: 10, loopWait: 2, retryTimeout: 4} for speed. */
export const DEFAULT_DCS: DcsTimings = { ttl: 30, loopWait: 10, retryTimeout: 10 };

export interface PatroniUser {
  username?: string;
  password: string;
}

export interface PatroniConfigOptions {
  scope: string;
  /** Patroni's member name: must equal the name of a Pod that already exists */
  name: string;
  /** Kubernetes namespace of the pods and the DCS objects */
  namespace?: string;
  /** the member's loopback address, e.g. 127.0.21.1: Postgres and the REST API both bind it */
  ip: string;
  dataDir: string;
  socketDir: string;
  pgpass: string;
  superuser: PatroniUser;
  replication: PatroniUser;
  /** Endpoints (Spilo's default) or ConfigMaps (false) for the leader lock */
  useEndpoints?: boolean;
  labels?: Record<string, string>;
  scopeLabel?: string;
  roleLabel?: string;
  /** kubeconfig context; Patroni 3.0.2 ignores current-context and defaults to kind-kind */
  context?: string;
  restPort?: number;
  pgPort?: number;
  dcs?: Partial<DcsTimings>;
  /** extra postgresql.conf parameters for this member */
  parameters?: Record<string, string | number | boolean>;
  pgBinDir?: string;
  /** WAL archiving, restore and backup-based bootstrap (the sandbox's WAL-G stand-in, src/sandbox/backup) */
  backup?: BackupHooks;
}

/** What Spilo puts into patroni.yml when a backup store is configured; all commands are shell command lines. */
export interface BackupHooks {
  archiveCommand?: string;
  restoreCommand?: string;
  /** a create_replica_methods entry tried before Patroni's own basebackup */
  replicaMethod?: { name: string; command: string };
  /** a custom bootstrap method: a clone from base backups and archived WAL (with its recovery_conf), or a copy of a running cluster (none) */
  bootstrap?: { name: string; command: string; recoveryConf?: Record<string, string> };
}

type Params = Record<string, string | number | boolean>;

/** The subset of patroni.yml this renders; keys are Patroni's own. */
export interface PatroniConfig {
  scope: string;
  name: string;
  log: { level: string };
  restapi: { listen: string; connect_address: string };
  kubernetes: {
    namespace: string;
    labels: Record<string, string>;
    scope_label: string;
    role_label: string;
    use_endpoints: boolean;
    pod_ip: string;
    ports: { name: string; port: number }[];
    bypass_api_service: boolean;
    context: string;
  };
  bootstrap: {
    dcs: {
      ttl: number;
      loop_wait: number;
      retry_timeout: number;
      maximum_lag_on_failover: number;
      postgresql: { use_pg_rewind: boolean; use_slots: boolean; parameters: Params };
    };
    initdb: (string | Record<string, string>)[];
    method?: string;
    [custom: string]: unknown;
  };
  postgresql: {
    listen: string;
    connect_address: string;
    data_dir: string;
    bin_dir: string;
    pgpass: string;
    pg_hba: string[];
    use_unix_socket: boolean;
    authentication: { superuser: Required<PatroniUser>; replication: Required<PatroniUser> };
    parameters: Params;
    recovery_conf?: Record<string, string>;
    create_replica_methods?: string[];
    [method: string]: unknown;
  };
  watchdog: { mode: string };
}

export function patroniConfig(o: PatroniConfigOptions): PatroniConfig {
  const dcs = { ...DEFAULT_DCS, ...o.dcs };
  const restPort = o.restPort ?? 8008;
  const pgPort = o.pgPort ?? 5432;
  const superuser = { username: o.superuser.username ?? 'postgres', password: o.superuser.password };
  const replication = { username: o.replication.username ?? 'standby', password: o.replication.password };
  return {
    scope: o.scope,
    name: o.name,
    log: { level: 'INFO' },
    restapi: { listen: `${o.ip}:${restPort}`, connect_address: `${o.ip}:${restPort}` },
    kubernetes: {
      namespace: o.namespace ?? 'default',
      labels: o.labels ?? { application: 'spilo' },
      scope_label: o.scopeLabel ?? 'cluster-name',
      role_label: o.roleLabel ?? 'spilo-role',
      use_endpoints: o.useEndpoints ?? false,
      pod_ip: o.ip,
      ports: [{ name: 'postgresql', port: pgPort }],
      // On, Patroni asks default/endpoints/kubernetes for API addresses and would switch to https.
      bypass_api_service: false,
      context: o.context ?? 'kind-kind',
    },
    bootstrap: {
      dcs: {
        ttl: dcs.ttl,
        loop_wait: dcs.loopWait,
        retry_timeout: dcs.retryTimeout,
        maximum_lag_on_failover: 33554432,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            max_connections: 50,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_log_hints: 'on',
            // Patroni takes these from the DCS only: the pod's own values go there, as Spilo bootstraps them.
            ...dcsControlled(o.parameters),
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
    },
    postgresql: {
      listen: `${o.ip}:${pgPort}`,
      connect_address: `${o.ip}:${pgPort}`,
      data_dir: o.dataDir,
      bin_dir: o.pgBinDir ?? PG_BIN_DIR,
      pgpass: o.pgpass,
      // Spilo's own rules, in the member's local configuration (Patroni rewrites pg_hba.conf from it at every start;
      // a DCS pg_hba from the manifest wins): only the socket is trusted, every TCP client gives a password, loopback
      // too. Spilo's hostssl lines read host here, as with its ALLOW_NOSSL: the sandbox has no certificates.
      pg_hba: [
        'local all all trust',
        'host all all 127.0.0.1/32 md5',
        'host all all ::1/128 md5',
        `local replication ${replication.username} trust`,
        `host replication ${replication.username} all md5`,
        'host all all all md5',
      ],
      // As Spilo: Patroni reaches its own PostgreSQL through the socket (right after initdb the superuser has no
      // password yet, and TCP asks for one).
      use_unix_socket: true,
      authentication: { superuser, replication },
      // Every member listens on 5432: a shared /var/run/postgresql socket would collide.
      parameters: { unix_socket_directories: o.socketDir, shared_buffers: '16MB', ...o.parameters },
      // A new replica should not wait for a spread checkpoint on the leader (Spilo's basebackup script asks for a fast one too).
      basebackup: [{ checkpoint: 'fast' }],
    },
    // No /dev/watchdog here; 'automatic' would only log about it every loop.
    watchdog: { mode: 'off' },
  };
}

/** Parameters Patroni keeps in the DCS and ignores in the local configuration. */
const DCS_CONTROLLED = new Set(['max_connections', 'max_locks_per_transaction', 'max_worker_processes', 'max_prepared_transactions', 'wal_level', 'track_commit_timestamp', 'max_wal_senders', 'max_replication_slots', 'wal_keep_size', 'wal_log_hints', 'hot_standby']);

function dcsControlled(params: Record<string, string | number | boolean> | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(params ?? {}).filter(([k]) => DCS_CONTROLLED.has(k)));
}

/** Spilo's archive settings, recovery_conf, create_replica_methods and clone bootstrap, merged in. */
function withBackup(c: PatroniConfig, b: BackupHooks | undefined): PatroniConfig {
  if (!b) return c;
  if (b.archiveCommand) {
    // Spilo's template has archive_mode on and a 30-minute archive_timeout; a minute shows the window move.
    Object.assign(c.postgresql.parameters, { archive_mode: 'on', archive_command: b.archiveCommand, archive_timeout: '60s' });
  }
  if (b.restoreCommand) c.postgresql.recovery_conf = { restore_command: b.restoreCommand };
  if (b.replicaMethod) {
    c.postgresql.create_replica_methods = [b.replicaMethod.name, 'basebackup'];
    c.postgresql[b.replicaMethod.name] = { command: b.replicaMethod.command, no_leader: 1 };
  }
  if (b.bootstrap) {
    c.bootstrap.method = b.bootstrap.name;
    c.bootstrap[b.bootstrap.name] = { command: b.bootstrap.command, ...(b.bootstrap.recoveryConf ? { recovery_conf: b.bootstrap.recoveryConf } : {}) };
    // During a custom bootstrap Patroni's temporary pg_hba trusts the socket and the listen address only, and a
    // loopback client comes from 127.0.0.1: connect through the socket, as Spilo does.
    c.postgresql.use_unix_socket = true;
  }
  return c;
}

export function renderPatroniConfig(o: PatroniConfigOptions): string {
  // PyYAML reads YAML 1.1, where a bare on/off/yes is a boolean: 1.1 output quotes them.
  return stringify(withBackup(patroniConfig(o), o.backup), { version: '1.1' });
}
