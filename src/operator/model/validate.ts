// Validation of a postgresql manifest: first the CRD schema's types (as the
// API server and Zalando's Go types check them), then Zalando's parser rules
// (its CRD patterns, marshal.go and util.go), then what a real cluster would
// refuse later. Errors make the cluster Invalid; warnings (things Zalando skips
// with a log line) are reported but do not stop the reconcile. Every message
// names the field and what to do.
import type { OperatorConfig } from '../config/keys.ts';
import { CPU_PATTERN, MEMORY_PATTERN, parseQuantity } from './quantity.ts';
import type { Postgresql, PostgresqlSpec } from './types.ts';
import { parseMaintenanceWindow } from './maintenance-window.ts';
import { checkSchema } from './schema-check.ts';
import { SPEC_SCHEMA } from './spec-schema.generated.ts';
import { cronRangeProblem, isRealTimestamp, labelValueProblem } from './validate-names.ts';
import { validatePod } from './validate-pod.ts';
import { validateDatabases, validateUsers } from './validate-roles.ts';

export interface FieldError {
  field: string;
  message: string;
}

export interface Validation {
  errors: FieldError[];
  warnings: FieldError[];
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC3339_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CRON = /^(\d+|\*)(\/\d+)?(\s+(\d+|\*)(\/\d+)?){4}$/;
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
/** Larger than any volume a storage class provisions: a typo, not a size */
const MAX_VOLUME_BYTES = 2 ** 50; // 1Pi
const INT32_MAX = 2 ** 31 - 1;
/** The schema's required top-level fields: validate() words their absence itself */
const SPEC_FOR_TYPES = { ...SPEC_SCHEMA, required: [] };
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
  const name = typeof pg.metadata?.name === 'string' ? pg.metadata.name : '';

  // Types first, as the CRD schema checks them; the rules below only see the values that passed.
  const typed = checkSchema(pg.spec ?? {}, SPEC_FOR_TYPES, 'spec');
  errors.push(...typed.errors);
  const spec = (typed.clean ?? {}) as PostgresqlSpec;
  const typeFailed = new Set(typed.errors.map((e) => e.field));
  const once = (field: string, message: string) => {
    if (!typeFailed.has(field)) err(field, message);
  };

  if (!DNS1035.test(name)) err('metadata.name', `"${name}" must be lower-case letters, digits and "-", starting with a letter`);
  if (name.length > CLUSTER_NAME_MAX) err('metadata.name', `"${name}" is ${name.length} characters; use at most ${CLUSTER_NAME_MAX}`);

  if (typeof spec.teamId !== 'string' || spec.teamId === '') once('spec.teamId', 'is required; set the owning team, e.g. teamId: "acid"');
  else {
    const label = labelValueProblem(spec.teamId);
    if (label) err('spec.teamId', label);
    if (config.enable_team_id_clustername_prefix && !name.startsWith(`${spec.teamId.toLowerCase()}-`)) {
      err('metadata.name', `"${name}" must start with the team id "${spec.teamId.toLowerCase()}-" (enable_team_id_clustername_prefix is on)`);
    }
  }

  if (spec.numberOfInstances === undefined) once('spec.numberOfInstances', 'is required; set the number of pods, e.g. 2');
  else if (!Number.isInteger(spec.numberOfInstances) || spec.numberOfInstances < 0 || spec.numberOfInstances > INT32_MAX) {
    err('spec.numberOfInstances', `${JSON.stringify(spec.numberOfInstances)} must be a whole number from 0 to ${INT32_MAX}`);
  }

  const version = spec.postgresql?.version;
  if (version === undefined || version === '') once('spec.postgresql.version', `is required; use one of ${PG_VERSIONS.join(', ')}`);
  else if (!PG_VERSIONS.includes(String(version))) err('spec.postgresql.version', `"${version}" is not supported; use one of ${PG_VERSIONS.join(', ')}`);
  for (const [k, v] of Object.entries(spec.postgresql?.parameters ?? {})) {
    if (k.trim() === '') err('spec.postgresql.parameters', `a parameter has an empty name (value ${JSON.stringify(v)}); remove it or name it`);
    else if (typeof v !== 'string') err(`spec.postgresql.parameters.${k}`, `${JSON.stringify(v)} must be a string; quote it, e.g. "${String(v)}"`);
  }
  validatePatroni(spec, err);

  const size = spec.volume?.size;
  if (size === undefined || size === '') once('spec.volume.size', 'is required; set the volume size, e.g. 1Gi');
  else if (!MEMORY_PATTERN.test(String(size))) err('spec.volume.size', `"${size}" is not a quantity; use e.g. 10Gi`);
  else {
    const bytes = parseQuantity(String(size)) ?? 0;
    if (bytes <= 0) err('spec.volume.size', `"${size}" is empty; use a size above zero, e.g. 10Gi`);
    else if (bytes > MAX_VOLUME_BYTES) err('spec.volume.size', `"${size}" is larger than any volume (over 1Pi); use e.g. 10Gi`);
  }

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
    const r = parseMaintenanceWindow(w);
    if ('error' in r) err(`spec.maintenanceWindows[${i}]`, r.error);
  });

  validateUsers(spec, name, config, err, warn);
  validateDatabases(spec, config, err, warn);

  if (spec.clone) validateClone(spec, err);
  if (spec.standby) {
    const s = spec.standby;
    if (s.s3_wal_path && s.gs_wal_path) err('spec.standby', 'set either s3_wal_path or gs_wal_path, not both');
    if (!s.s3_wal_path && !s.gs_wal_path && !s.standby_host) err('spec.standby', 'needs one of s3_wal_path, gs_wal_path or standby_host');
    if (s.standby_port !== undefined && s.standby_port !== '' && !isPort(s.standby_port)) {
      err('spec.standby.standby_port', `"${s.standby_port}" is not a port; use a number from 1 to 65535, e.g. "5432"`);
    }
    if ((spec.numberOfInstances ?? 1) > 1) warn('spec.numberOfInstances', 'standby clusters support one instance only');
  }

  if (spec.logicalBackupSchedule !== undefined) {
    if (!CRON.test(spec.logicalBackupSchedule)) err('spec.logicalBackupSchedule', `"${spec.logicalBackupSchedule}" is not a 5-field cron schedule; use e.g. "30 00 * * *"`);
    else {
      const range = cronRangeProblem(spec.logicalBackupSchedule);
      if (range) err('spec.logicalBackupSchedule', `${range}; use e.g. "30 00 * * *"`);
    }
  }
  (spec.allowedSourceRanges ?? []).forEach((r, i) => {
    if (!CIDR.test(r)) err(`spec.allowedSourceRanges[${i}]`, `"${r}" is not a CIDR; use e.g. 10.0.0.0/8`);
  });
  validatePod(spec, config, err, warn);
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

const isPort = (p: string) => /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;

/** Patroni's timings are unsigned in Zalando's Go types; a negative value never parses there. */
function validatePatroni(spec: PostgresqlSpec, err: (f: string, m: string) => void): void {
  const p = spec.patroni ?? {};
  for (const key of ['ttl', 'loop_wait', 'retry_timeout', 'maximum_lag_on_failover', 'synchronous_node_count'] as const) {
    const v = p[key];
    if (typeof v === 'number' && v < 0) err(`spec.patroni.${key}`, `${v} is negative; use 0 or more (or remove it for Patroni's default)`);
  }
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
  } else if (c.timestamp && !isRealTimestamp(c.timestamp)) {
    err('spec.clone.timestamp', `"${c.timestamp}" is not a real date and time; use e.g. 2024-01-31T12:00:00+00:00`);
  }
  if (c.uid && !UUID.test(c.uid)) err('spec.clone.uid', `"${c.uid}" is not a UUID; copy metadata.uid of the source cluster`);
}
