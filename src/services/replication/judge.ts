// Pure parts of the replication readout: LSN arithmetic, PostgreSQL rows to
// zpg's shapes, and the verdict that tells a stuck receiver from a stuck
// replay.
import type { ReceiverVerdict, StandbyReceiver, StandbyStream, ReplicationSlot } from './types.ts';

/** 'X/Y' (hex) to a byte position; undefined for null or garbage */
export function lsnBytes(lsn: string | null | undefined): number | undefined {
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(lsn ?? '');
  return m ? Number((BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`)) : undefined;
}

/** a byte position as PostgreSQL prints an LSN */
export function lsnText(bytes: number | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const b = BigInt(Math.trunc(bytes));
  return `${(b >> 32n).toString(16).toUpperCase()}/${(b & 0xffffffffn).toString(16).toUpperCase()}`;
}

export const behind = (top: number | undefined, at: number | undefined) => (top === undefined || at === undefined ? undefined : Math.max(0, top - at));

/** a receiver that has not heard from the sender this long, while behind, is stuck (the sender pings every wal_sender_timeout / 2) */
export const RECEIVE_STUCK_MS = 30_000;

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' && v ? new Date(v).toISOString() : undefined);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function streamFromRow(r: Record<string, unknown>, leaderLsn: number | undefined): StandbyStream {
  const at = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : undefined);
  return {
    name: String(r.name ?? ''),
    state: String(r.state ?? ''),
    syncState: String(r.sync_state ?? ''),
    syncPriority: Number(r.sync_priority ?? 0),
    sentLsn: at('sent_lsn'),
    writeLsn: at('write_lsn'),
    flushLsn: at('flush_lsn'),
    replayLsn: at('replay_lsn'),
    sentLagBytes: behind(leaderLsn, lsnBytes(at('sent_lsn'))),
    writeLagBytes: behind(leaderLsn, lsnBytes(at('write_lsn'))),
    flushLagBytes: behind(leaderLsn, lsnBytes(at('flush_lsn'))),
    replayLagBytes: behind(leaderLsn, lsnBytes(at('replay_lsn'))),
    writeLagSeconds: num(r.write_lag),
    flushLagSeconds: num(r.flush_lag),
    replayLagSeconds: num(r.replay_lag),
  };
}

export function slotFromRow(r: Record<string, unknown>): ReplicationSlot {
  return {
    name: String(r.slot_name ?? ''),
    type: String(r.slot_type ?? ''),
    active: r.active === true,
    restartLsn: typeof r.restart_lsn === 'string' ? r.restart_lsn : undefined,
    retainedBytes: r.retained === null || r.retained === undefined ? undefined : Number(r.retained),
    walStatus: typeof r.wal_status === 'string' ? r.wal_status : undefined,
  };
}

export function verdict(r: Omit<StandbyReceiver, 'verdict'>, now: number): ReceiverVerdict {
  if (r.replayPaused) return 'replay paused';
  if (r.receiverStatus === null) return 'not receiving';
  const silent = r.lastMessageAt ? now - Date.parse(r.lastMessageAt) : 0;
  if ((r.receiveLagBytes ?? 0) > 0 && silent > RECEIVE_STUCK_MS) return 'receive stuck';
  if ((r.receiveLagBytes ?? 0) > 0) return 'catching up';
  if ((lsnBytes(r.receiveLsn) ?? 0) > (lsnBytes(r.replayLsn) ?? 0)) return 'replay behind';
  return 'streaming';
}

export function receiverFromRow(name: string, r: Record<string, unknown>, leaderLsn: number | undefined, now: number): StandbyReceiver {
  const receiveLsn = typeof r.receive_lsn === 'string' ? r.receive_lsn : undefined;
  const replayLsn = typeof r.replay_lsn === 'string' ? r.replay_lsn : undefined;
  const base = {
    name,
    receiverStatus: typeof r.receiver_status === 'string' ? r.receiver_status : null,
    receiveLsn,
    replayLsn,
    receiveLagBytes: behind(leaderLsn, lsnBytes(receiveLsn)),
    replayLagBytes: behind(leaderLsn, lsnBytes(replayLsn)),
    replayPaused: r.paused === true,
    lastReplayAt: iso(r.last_replay),
    lastMessageAt: iso(r.last_msg),
  };
  return { ...base, verdict: verdict(base, now) };
}
