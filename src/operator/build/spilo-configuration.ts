// The SPILO_CONFIGURATION JSON (zalando-operator.md §2.6), byte-for-byte in
// Zalando's key order: Spilo deep-merges it over its own template, and the
// string is compared with what a Go operator generated on adoption.
import type { OperatorConfig } from '../config/keys.ts';
import type { PostgresqlSpec } from '../model/types.ts';

/** Parameters Patroni keeps in the member's local config; all others go to the DCS */
export const LOCAL_PARAMETERS = new Set([
  'archive_command',
  'shared_buffers',
  'logging_collector',
  'log_destination',
  'log_directory',
  'log_filename',
  'log_file_mode',
  'log_rotation_age',
  'log_truncate_on_rotation',
  'ssl',
  'ssl_ca_file',
  'ssl_crl_file',
  'ssl_cert_file',
  'ssl_key_file',
  'shared_preload_libraries',
  'bg_mon.listen_address',
  'bg_mon.history_buckets',
  'pg_stat_statements.track_utility',
  'extwlist.extensions',
  'extwlist.custom_path',
]);

const FLAG_OPTIONS = new Set(['data-checksums', 'debug', 'no-locale', 'noclean', 'nosync', 'sync-only']);

export function spiloConfiguration(spec: PostgresqlSpec, config: OperatorConfig): string {
  const params = spec.postgresql?.parameters ?? {};
  const local: Record<string, string> = {};
  const dcsParams: Record<string, string> = {};
  for (const key of Object.keys(params).sort()) (LOCAL_PARAMETERS.has(key) ? local : dcsParams)[key] = params[key]!;

  const pgLocal: Record<string, unknown> = {};
  if (!config.enable_pgversion_env_var && spec.postgresql?.version) pgLocal.bin_dir = `/usr/lib/postgresql/${spec.postgresql.version}/bin`;
  if (Object.keys(local).length > 0) pgLocal.parameters = local;
  if (spec.patroni?.pg_hba && spec.patroni.pg_hba.length > 0) pgLocal.pg_hba = spec.patroni.pg_hba;

  const initdb: unknown[] = [{ 'auth-host': 'scram-sha-256' }, { 'auth-local': 'trust' }];
  const manifestInitdb = spec.patroni?.initdb ?? {};
  for (const key of Object.keys(manifestInitdb).sort()) {
    const value = manifestInitdb[key]!;
    if (FLAG_OPTIONS.has(key) && String(value).toLowerCase() === 'true') initdb.push(key);
    else if (key !== 'auth-host' && key !== 'auth-local') initdb.push({ [key]: value });
  }

  const p = spec.patroni ?? {};
  const dcs: Record<string, unknown> = {};
  if (p.ttl) dcs.ttl = p.ttl;
  if (p.loop_wait) dcs.loop_wait = p.loop_wait;
  if (p.retry_timeout) dcs.retry_timeout = p.retry_timeout;
  if (p.maximum_lag_on_failover) dcs.maximum_lag_on_failover = p.maximum_lag_on_failover;
  if (p.synchronous_mode) dcs.synchronous_mode = true;
  if (p.synchronous_mode_strict) dcs.synchronous_mode_strict = true;
  if (p.synchronous_node_count && p.synchronous_node_count >= 1) dcs.synchronous_node_count = p.synchronous_node_count;
  if (Object.keys(dcsParams).length > 0) dcs.postgresql = { parameters: dcsParams };
  if (p.slots && Object.keys(p.slots).length > 0) dcs.slots = sortKeys(p.slots, (slot) => sortKeys(slot ?? {}, (v) => v));
  if (p.failsafe_mode !== undefined) dcs.failsafe_mode = p.failsafe_mode;
  else if (config.enable_patroni_failsafe_mode) dcs.failsafe_mode = true;

  const out: Record<string, unknown> = {};
  if (Object.keys(pgLocal).length > 0) out.postgresql = pgLocal;
  out.bootstrap = { initdb, dcs };
  return JSON.stringify(out);
}

/** Go marshals maps with sorted keys */
function sortKeys<T, U>(m: Record<string, T>, inner: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, inner(m[k]!)]));
}
