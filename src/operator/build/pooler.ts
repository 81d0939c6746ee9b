// The connection pooler (pooler-patroni-walg.md §A): per role a Deployment
// running PgBouncer and a Service `<cluster>-pooler[-repl]`, and the pooler
// user's credentials Secret. The `<name>-u` Secret holding userlist.txt needs
// the pooler password, so the SQL sync writes it (services read passwords; the
// builder never does). Names, labels and env order as Zalando v2.0.1. Pure.
import type { EnvVar, PostgresqlSpec, StrMap } from '../model/types.ts';
import { inheritedAnnotations, meta, objectLabels, secretRef, serviceName, secretName, type ClusterContext, type Role } from './meta.ts';
import { secret } from './secrets.ts';

type Obj = Record<string, unknown>;

export const POOLER_CONTAINER = 'connection-pooler';
export const POOLER_APPLICATION = 'db-connection-pooler';
const POOLER_PORT = 5432;

interface PoolerSpec {
  numberOfInstances?: number;
  schema?: string;
  user?: string;
  mode?: string;
  dockerImage?: string;
  maxDBConnections?: number;
  resources?: Obj;
}

export const poolerName = (cluster: string, role: Role) => `${cluster}-pooler${role === 'replica' ? '-repl' : ''}`;
export const poolerAuthSecretName = (cluster: string, role: Role) => `${poolerName(cluster, role)}-u`;

/** Which poolers the manifest asks for: a `connectionPooler` section alone means the master one (Zalando). */
export function poolerRoles(spec: PostgresqlSpec): Role[] {
  const master = spec.enableConnectionPooler === true || (spec.enableConnectionPooler === undefined && spec.connectionPooler !== undefined && spec.connectionPooler !== null);
  const out: Role[] = [];
  if (master) out.push('master');
  if (spec.enableReplicaConnectionPooler === true) out.push('replica');
  return out;
}

const poolerSpec = (c: ClusterContext): PoolerSpec => (c.pg.spec.connectionPooler ?? {}) as PoolerSpec;

/** The pooler user: the manifest's unless it names the superuser, a system or a protected role. */
export function poolerUser(c: ClusterContext): string {
  const { config } = c;
  const asked = poolerSpec(c).user;
  const reserved = new Set([config.super_username, config.replication_username, ...config.protected_role_names]);
  return asked && !reserved.has(asked) ? asked : config.connection_pooler_user;
}

export const poolerSchema = (c: ClusterContext) => poolerSpec(c).schema || c.config.connection_pooler_schema;

/** connectionPoolerLabels(role, extra) */
export function poolerLabels(c: ClusterContext, role: Role | undefined, extra: boolean): StrMap {
  const base: StrMap = { ...c.config.cluster_labels, [c.config.cluster_name_label]: c.name, application: POOLER_APPLICATION, 'connection-pooler': poolerName(c.name, role ?? 'master') };
  if (!extra) return base;
  const withObject = { ...objectLabels(c), ...base };
  if (role) withObject[c.config.pod_role_label] = role;
  return withObject;
}

function sizes(c: ClusterContext): { instances: number; maxDb: number; def: number; min: number } {
  const s = poolerSpec(c);
  const instances = Math.max(1, s.numberOfInstances ?? c.config.connection_pooler_number_of_instances);
  const maxDb = Math.floor((s.maxDBConnections ?? c.config.connection_pooler_max_db_connections) / instances);
  const def = Math.floor(maxDb / 2);
  return { instances, maxDb, def, min: Math.floor(def / 2) };
}

function env(c: ClusterContext, role: Role): EnvVar[] {
  const s = poolerSpec(c);
  const n = sizes(c);
  const credentials = secretName(c.config, poolerUser(c), c.name);
  const out: EnvVar[] = [
    { name: 'PGHOST', value: serviceName(c.name, role) },
    { name: 'PGPORT', value: String(POOLER_PORT) },
    secretRef('PGUSER', credentials, 'username'),
    { name: 'PGSCHEMA', value: poolerSchema(c) },
    secretRef('PGPASSWORD', credentials, 'password'),
    { name: 'CONNECTION_POOLER_PORT', value: String(POOLER_PORT) },
    { name: 'CONNECTION_POOLER_MODE', value: s.mode || c.config.connection_pooler_mode },
    { name: 'CONNECTION_POOLER_DEFAULT_SIZE', value: String(n.def) },
    { name: 'CONNECTION_POOLER_MIN_SIZE', value: String(n.min) },
    { name: 'CONNECTION_POOLER_RESERVE_SIZE', value: String(n.min) },
    { name: 'CONNECTION_POOLER_MAX_CLIENT_CONN', value: '10000' },
    { name: 'CONNECTION_POOLER_MAX_DB_CONN', value: String(n.maxDb) },
  ];
  const tls = c.pg.spec.tls as { secretName?: string; certificateFile?: string; privateKeyFile?: string; caFile?: string; caSecretName?: string } | undefined;
  if (tls?.secretName) {
    out.push({ name: 'CONNECTION_POOLER_CLIENT_TLS_CRT', value: `/tls/${tls.certificateFile || 'tls.crt'}` });
    out.push({ name: 'CONNECTION_POOLER_CLIENT_TLS_KEY', value: `/tls/${tls.privateKeyFile || 'tls.key'}` });
    if (tls.caFile) out.push({ name: 'CONNECTION_POOLER_CLIENT_CA_FILE', value: `${tls.caSecretName ? '/tlsca' : '/tls'}/${tls.caFile}` });
  }
  return out;
}

function resources(c: ClusterContext): Obj {
  const own = poolerSpec(c).resources;
  if (own) return own;
  const k = c.config;
  return {
    requests: { cpu: k.connection_pooler_default_cpu_request, memory: k.connection_pooler_default_memory_request },
    limits: { cpu: k.connection_pooler_default_cpu_limit, memory: k.connection_pooler_default_memory_limit },
  };
}

export function poolerDeployment(c: ClusterContext, role: Role): Obj {
  const name = poolerName(c.name, role);
  const auth = poolerAuthSecretName(c.name, role);
  const { config, pg } = c;
  const securityContext: Obj = { runAsUser: 100, runAsGroup: 101 };
  const fsGroup = pg.spec.spiloFSGroup ?? (config.spilo_fsgroup >= 0 ? config.spilo_fsgroup : undefined);
  if (fsGroup !== undefined) securityContext.fsGroup = fsGroup;
  const podSpec: Obj = {
    serviceAccountName: config.pod_service_account_name,
    terminationGracePeriodSeconds: Math.round(config.pod_terminate_grace_period / 1000),
    securityContext,
    containers: [
      {
        name: POOLER_CONTAINER,
        image: poolerSpec(c).dockerImage || config.connection_pooler_image,
        imagePullPolicy: 'IfNotPresent',
        resources: resources(c),
        securityContext: { allowPrivilegeEscalation: false },
        ports: [{ containerPort: POOLER_PORT, protocol: 'TCP' }],
        readinessProbe: { tcpSocket: { port: POOLER_PORT } },
        env: env(c, role),
        volumeMounts: [{ name: auth, mountPath: '/etc/pgbouncer/userlist.txt', subPath: 'userlist.txt', readOnly: true }],
      },
    ],
    volumes: [{ name: auth, secret: { secretName: auth } }],
  };
  if (pg.spec.tolerations?.length) podSpec.tolerations = pg.spec.tolerations;
  const annotations: StrMap = { ...config.custom_pod_annotations, ...(pg.spec.podAnnotations ?? {}) };
  const template: Obj = { metadata: { labels: poolerLabels(c, role, true), ...(Object.keys(annotations).length ? { annotations } : {}) }, spec: podSpec };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(c, name, poolerLabels(c, role, true), inheritedAnnotations(c)),
    spec: { replicas: sizes(c).instances, selector: { matchLabels: poolerLabels(c, role, false) }, template },
  };
}

export function poolerService(c: ClusterContext, role: Role): Obj {
  const name = poolerName(c.name, role);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(c, name, poolerLabels(c, role, false)),
    spec: { type: 'ClusterIP', ports: [{ name, port: POOLER_PORT, targetPort: POOLER_PORT }], selector: { 'connection-pooler': name } },
  };
}

/** The pooler user's credentials Secret; the default user's carries the pooler labels instead of the cluster's. */
export function poolerUserSecret(c: ClusterContext): Obj {
  const user = poolerUser(c);
  const s = secret(c, { name: user, namespace: c.namespace, origin: 'system' });
  if (user === c.config.connection_pooler_user) (s.metadata as Obj).labels = poolerLabels(c, undefined, false);
  return s;
}

/** Everything the pooler needs except the `-u` Secrets (written by the SQL sync, which knows the password). */
export function poolerObjects(c: ClusterContext): Obj[] {
  const roles = poolerRoles(c.pg.spec);
  if (roles.length === 0 || (c.pg.spec.numberOfInstances ?? 0) < 1) return [];
  return [poolerUserSecret(c), ...roles.flatMap((r) => [poolerDeployment(c, r), poolerService(c, r)])];
}

/** `"user" "password"` lines of userlist.txt */
export const userlist = (entries: [string, string][]) => entries.map(([u, p]) => `"${u.replaceAll('"', '""')}" "${p.replaceAll('"', '""')}"`).join('\n') + '\n';

/** The `<name>-u` Secret: userlist.txt with the pooler user's password (PgBouncer's auth_file). */
export function poolerAuthSecret(c: ClusterContext, role: Role, text: string): Obj {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(c, poolerAuthSecretName(c.name, role), poolerLabels(c, role, true)), type: 'Opaque', stringData: { 'userlist.txt': text } };
}

/** Names of everything a pooler role leaves behind when disabled (the Deployment, Service and `-u` Secret) */
export function poolerLeftovers(c: ClusterContext): { kind: string; name: string }[] {
  const want = new Set(poolerRoles(c.pg.spec));
  const out: { kind: string; name: string }[] = [];
  for (const r of ['master', 'replica'] as Role[]) {
    if (want.has(r) && (c.pg.spec.numberOfInstances ?? 0) >= 1) continue;
    out.push({ kind: 'Deployment', name: poolerName(c.name, r) }, { kind: 'Service', name: poolerName(c.name, r) }, { kind: 'Secret', name: poolerAuthSecretName(c.name, r) });
  }
  if (want.size === 0) out.push({ kind: 'Secret', name: secretName(c.config, poolerUser(c), c.name) });
  return out;
}
