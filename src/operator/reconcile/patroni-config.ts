// Patroni's dynamic configuration from the manifest (zalando-operator.md §3.8):
// the keys of spec.patroni and every spec.postgresql.parameters entry Patroni
// keeps in the DCS, compared with GET /config. The answer is the one merge
// patch for PATCH /config, or undefined when nothing differs. Slots the
// operator never set (added by hand through Patroni) are left alone; a slot
// that leaves the manifest is removed (null). Pure.
import { LOCAL_PARAMETERS } from '../build/spilo-configuration.ts';
import type { PostgresqlSpec } from '../model/types.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** Parameters whose decrease makes Patroni restart the primary first (replicas need values ≥ the primary's) */
const PRIMARY_FIRST_ON_DECREASE = ['max_connections', 'max_prepared_transactions', 'max_locks_per_transaction', 'max_worker_processes', 'max_wal_senders'];

export interface PatroniConfigDiff {
  patch?: Obj;
  /** slot names the manifest sets now: remember them, so a later removal can be told from a hand-made slot */
  managedSlots: string[];
  /** every changed restart-bound parameter that changed is a decrease of the above: restart the primary first */
  primaryFirst: boolean;
}

const same = (a: unknown, b: unknown) => a !== undefined && a !== null && String(a) === String(b);

function sameSlot(a: unknown, b: Obj): boolean {
  const x = rec(a);
  return Object.keys(b).length === Object.keys(x).length && Object.entries(b).every(([k, v]) => same(x[k], v));
}

/** `previousSlots`: slots the operator set before (undefined on the first sync after start: none removed then) */
export function patroniConfigDiff(current: Obj, spec: PostgresqlSpec, enableFailsafe: boolean, previousSlots?: readonly string[]): PatroniConfigDiff {
  const p = spec.patroni ?? {};
  const patch: Obj = {};
  const top = (key: string, want: unknown) => {
    if (want !== undefined && !same(current[key], want)) patch[key] = want;
  };
  if (p.ttl) top('ttl', p.ttl);
  if (p.loop_wait) top('loop_wait', p.loop_wait);
  if (p.retry_timeout) top('retry_timeout', p.retry_timeout);
  if (p.maximum_lag_on_failover && p.maximum_lag_on_failover > 0) top('maximum_lag_on_failover', p.maximum_lag_on_failover);
  // Off is Patroni's default: a manifest that never set these does not write them.
  if (p.synchronous_mode !== undefined && Boolean(current.synchronous_mode) !== p.synchronous_mode) patch.synchronous_mode = p.synchronous_mode;
  if (p.synchronous_mode_strict !== undefined && Boolean(current.synchronous_mode_strict) !== p.synchronous_mode_strict) patch.synchronous_mode_strict = p.synchronous_mode_strict;
  if (p.synchronous_node_count && p.synchronous_node_count >= 1) top('synchronous_node_count', p.synchronous_node_count);
  const failsafe = p.failsafe_mode ?? (enableFailsafe ? true : undefined);
  if (failsafe !== undefined && Boolean(current.failsafe_mode) !== failsafe) patch.failsafe_mode = failsafe;

  const slots = p.slots ?? {};
  const haveSlots = rec(current.slots);
  const slotPatch: Obj = {};
  for (const [name, def] of Object.entries(slots)) if (!sameSlot(haveSlots[name], def ?? {})) slotPatch[name] = def ?? {};
  for (const name of previousSlots ?? []) if (!(name in slots) && name in haveSlots) slotPatch[name] = null;
  if (Object.keys(slotPatch).length) patch.slots = slotPatch;

  const pgNow = rec(current.postgresql);
  const params = rec(pgNow.parameters);
  const paramPatch: Obj = {};
  let decreases = 0;
  let changes = 0;
  for (const [k, v] of Object.entries(spec.postgresql?.parameters ?? {})) {
    if (LOCAL_PARAMETERS.has(k) || same(params[k], v)) continue;
    paramPatch[k] = v;
    changes++;
    if (PRIMARY_FIRST_ON_DECREASE.includes(k) && Number(v) < Number(params[k])) decreases++;
  }
  const pgPatch: Obj = {};
  if (changes) pgPatch.parameters = paramPatch;
  const hba = p.pg_hba ?? [];
  if (hba.length && JSON.stringify(pgNow.pg_hba ?? []) !== JSON.stringify(hba)) pgPatch.pg_hba = hba;
  if (Object.keys(pgPatch).length) patch.postgresql = pgPatch;

  return {
    patch: Object.keys(patch).length ? patch : undefined,
    managedSlots: Object.keys(slots).sort(),
    primaryFirst: changes > 0 && decreases === changes,
  };
}

/** Patroni's restart order: replicas first, the leader last, unless only decreases are pending (then the leader first). */
export function restartOrder<T extends { name: string; leader: boolean }>(members: T[], primaryFirst: boolean): T[] {
  const leader = members.filter((m) => m.leader);
  const replicas = members.filter((m) => !m.leader).sort((a, b) => a.name.localeCompare(b.name));
  return primaryFirst ? [...leader, ...replicas] : [...replicas, ...leader];
}
