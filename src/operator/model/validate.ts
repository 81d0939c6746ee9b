// Validation of a postgresql manifest as Zalando's parser does it (its CRD
// patterns, marshal.go and util.go rules). Errors make the cluster Invalid;
// warnings (things Zalando skips with a log line) are reported but do not stop
// the reconcile. Every message names the field and what to do.
import type { OperatorConfig } from '../config/keys.ts';
import { CPU_PATTERN, MEMORY_PATTERN } from './quantity.ts';
import type { Postgresql, PostgresqlSpec } from './types.ts';
import { parseMaintenanceWindow } from './maintenance-window.ts';

export interface FieldError {
  field: string;
  message: string;
}

export interface Validation {
  errors: FieldError[];
  warnings: FieldError[];
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const USER_NAME = /^[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*$/;
const DB_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CRON = /^(\d+|\*)(\/\d+)?(\s+(\d+|\*)(\/\d+)?){4}$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const ROLE_FLAGS = ['BYPASSRLS', 'CREATEDB', 'CREATEROLE', 'INHERIT', 'LOGIN', 'NOLOGIN', 'REPLICATION', 'SUPERUSER'];
export const PG_VERSIONS = ['13', '14', '15', '16', '17', '18'];
/** Zalando keeps "<name>-repl" within the 63-character Service name limit */
export const CLUSTER_NAME_MAX = 58;
export const PGDATA_MOUNT = '/home/postgres/pgdata';

/** Field errors as one line: "field: message; field: message" */
export const describeErrors = (errors: FieldError[]): string => errors.map((e) => `${e.field}: ${e.message}`).join('; ');

export function validate(pg: Postgresql, config: OperatorConfig): Validation {
  const errors: FieldError[] = [];
  const warnings: FieldError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });
  const warn = (field: string, message: string) => warnings.push({ field, message });
  const name = pg.metadata?.name ?? '';
  const spec = (pg.spec ?? {}) as PostgresqlSpec;

  if (!DNS1035.test(name)) err('metadata.name', `"${name}" must be lower-case letters, digits and "-", starting with a letter`);
  if (name.length > CLUSTER_NAME_MAX) err('metadata.name', `"${name}" is ${name.length} characters; use at most ${CLUSTER_NAME_MAX}`);

  if (typeof spec.teamId !== 'string' || spec.teamId === '') err('spec.teamId', 'is required; set the owning team, e.g. teamId: "acid"');
  else if (config.enable_team_id_clustername_prefix && !name.startsWith(`${spec.teamId.toLowerCase()}-`)) {
    err('metadata.name', `"${name}" must start with the team id "${spec.teamId.toLowerCase()}-" (enable_team_id_clustername_prefix is on)`);
  }

  if (spec.numberOfInstances === undefined) err('spec.numberOfInstances', 'is required; set the number of pods, e.g. 2');
  else if (!Number.isInteger(spec.numberOfInstances) || spec.numberOfInstances < 0) {
    err('spec.numberOfInstances', `${JSON.stringify(spec.numberOfInstances)} must be a whole number, 0 or more`);
  }

  const version = spec.postgresql?.version;
  if (version === undefined || version === '') err('spec.postgresql.version', `is required; use one of ${PG_VERSIONS.join(', ')}`);
  else if (!PG_VERSIONS.includes(String(version))) err('spec.postgresql.version', `"${version}" is not supported; use one of ${PG_VERSIONS.join(', ')}`);
  for (const [k, v] of Object.entries(spec.postgresql?.parameters ?? {})) {
    if (typeof v !== 'string') err(`spec.postgresql.parameters.${k}`, `${JSON.stringify(v)} must be a string; quote it, e.g. "${String(v)}"`);
  }

  const size = spec.volume?.size;
  if (size === undefined || size === '') err('spec.volume.size', 'is required; set the volume size, e.g. 1Gi');
  else if (!MEMORY_PATTERN.test(String(size))) err('spec.volume.size', `"${size}" is not a quantity; use e.g. 10Gi`);

  for (const kind of ['requests', 'limits'] as const) {
    const r = spec.resources?.[kind] ?? {};
    for (const [res, q] of Object.entries(r)) {
      if (q === undefined || q === '' || q === null) continue;
      const pattern = res === 'cpu' ? CPU_PATTERN : MEMORY_PATTERN;
      if (!pattern.test(String(q))) {
        err(`spec.resources.${kind}.${res}`, `"${q}" is not a valid quantity; use e.g. ${res === 'cpu' ? '"500m" or "1"' : '"512Mi"'}`);
      }
    }
  }

  (spec.maintenanceWindows ?? []).forEach((w, i) => {
    const r = parseMaintenanceWindow(String(w));
    if ('error' in r) err(`spec.maintenanceWindows[${i}]`, r.error);
  });

  const users = spec.users ?? {};
  for (const [user, flags] of Object.entries(users)) {
    const field = `spec.users.${user}`;
    if (!USER_NAME.test(user)) err(field, `"${user}" is not a valid role name; use lower-case letters, digits, "_" and "-"`);
    if (user.includes('.') && !config.enable_cross_namespace_secret) {
      err(field, `"${user}" names a namespace; set enable_cross_namespace_secret to put its secret there`);
    }
    if (user === config.super_username || user === config.replication_username) {
      warn(field, `"${user}" is a system role the operator manages; the manifest entry is ignored`);
    }
    const upper = (flags ?? []).map((f) => String(f).toUpperCase());
    for (const f of upper) {
      const base = f.startsWith('NO') && f !== 'NOLOGIN' ? f.slice(2) : f;
      if (!ROLE_FLAGS.includes(base)) err(field, `flag "${f}" is unknown; use ${ROLE_FLAGS.join(', ')} or their NO forms`);
      else if (f !== 'NOLOGIN' && upper.includes(f.startsWith('NO') ? base : `NO${f}`)) err(field, `flags "${f}" and its opposite are both set`);
    }
  }

  const prepared = spec.preparedDatabases ?? {};
  for (const [db, owner] of Object.entries(spec.databases ?? {})) {
    const field = `spec.databases.${db}`;
    if (!DB_NAME.test(db)) err(field, `"${db}" is not a valid database name; use letters, digits and "_"`);
    if (!(owner in users) && owner !== config.super_username) {
      warn(field, `owner "${owner}" is not in spec.users; add it there or the database is created without it`);
    }
  }
  for (const db of Object.keys(prepared)) {
    if (!DB_NAME.test(db)) err(`spec.preparedDatabases.${db}`, `"${db}" is not a valid database name; use letters, digits and "_"`);
  }

  if (spec.clone) validateClone(spec, err);
  if (spec.standby) {
    const s = spec.standby;
    if (s.s3_wal_path && s.gs_wal_path) err('spec.standby', 'set either s3_wal_path or gs_wal_path, not both');
    if (!s.s3_wal_path && !s.gs_wal_path && !s.standby_host) err('spec.standby', 'needs one of s3_wal_path, gs_wal_path or standby_host');
    if ((spec.numberOfInstances ?? 1) > 1) warn('spec.numberOfInstances', 'standby clusters support one instance only');
  }

  if (spec.logicalBackupSchedule !== undefined && !CRON.test(spec.logicalBackupSchedule)) {
    err('spec.logicalBackupSchedule', `"${spec.logicalBackupSchedule}" is not a 5-field cron schedule; use e.g. "30 00 * * *"`);
  }
  (spec.allowedSourceRanges ?? []).forEach((r, i) => {
    if (!CIDR.test(String(r))) err(`spec.allowedSourceRanges[${i}]`, `"${r}" is not a CIDR; use e.g. 10.0.0.0/8`);
  });
  (spec.sidecars ?? []).forEach((s, i) => {
    if (!s?.name) err(`spec.sidecars[${i}].name`, 'is required');
    if (!s?.image) err(`spec.sidecars[${i}].image`, 'is required');
  });
  const mounts = new Set<string>();
  (spec.additionalVolumes ?? []).forEach((v, i) => {
    const field = `spec.additionalVolumes[${i}]`;
    if (!v?.name || !v.mountPath || !v.volumeSource) err(field, 'needs name, mountPath and volumeSource');
    else if (v.mountPath === PGDATA_MOUNT) warn(`${field}.mountPath`, `${PGDATA_MOUNT} is the data volume; this volume is skipped`);
    else if (mounts.has(v.mountPath)) warn(`${field}.mountPath`, `${v.mountPath} is mounted twice; this volume is skipped`);
    if (v?.mountPath) mounts.add(v.mountPath);
  });
  return { errors, warnings };
}

function validateClone(spec: PostgresqlSpec, err: (f: string, m: string) => void): void {
  const c = spec.clone!;
  if (!c.cluster) {
    err('spec.clone.cluster', 'is required; name the cluster to clone from');
    return;
  }
  if (!c.timestamp && (!DNS1035.test(c.cluster) || c.cluster.length > 63)) {
    err('spec.clone.cluster', `"${c.cluster}" must be a valid cluster name (lower-case, at most 63 characters)`);
  }
  if (c.timestamp && !RFC3339_WITH_OFFSET.test(c.timestamp)) {
    err('spec.clone.timestamp', `"${c.timestamp}" needs a time zone offset, e.g. 2024-01-31T12:00:00+00:00`);
  }
  if (c.uid && !UUID.test(c.uid)) err('spec.clone.uid', `"${c.uid}" is not a UUID; copy metadata.uid of the source cluster`);
}
