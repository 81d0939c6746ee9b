// Replication as an incident needs it, as zpg status and the console's
// replication pane show it: per standby the leader's view (sent, write,
// flush, replay) and the standby's own (received, replayed), so "receive
// stuck" and "replay stuck" read differently; and the slots holding WAL.
// LSNs are PostgreSQL's X/Y text; byte keys end in Bytes; times are RFC 3339.

/** One row of the leader's pg_stat_replication. */
export interface StandbyStream {
  /** application_name: the member's name under Patroni */
  name: string;
  state: string;
  syncState: string;
  syncPriority: number;
  sentLsn?: string;
  writeLsn?: string;
  flushLsn?: string;
  replayLsn?: string;
  sentLagBytes?: number;
  writeLagBytes?: number;
  flushLagBytes?: number;
  replayLagBytes?: number;
  /** PostgreSQL's write_lag/flush_lag/replay_lag in seconds; null when idle (PostgreSQL resets them) */
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
}

export type ReceiverVerdict = 'streaming' | 'catching up' | 'replay behind' | 'replay paused' | 'receive stuck' | 'not receiving';

/** A standby's own view: pg_stat_wal_receiver and the replay functions. */
export interface StandbyReceiver {
  name: string;
  /** the WAL receiver's status (streaming, waiting, ...); null when no WAL receiver runs */
  receiverStatus: string | null;
  receiveLsn?: string;
  replayLsn?: string;
  /** leader's current position minus what this standby received */
  receiveLagBytes?: number;
  /** leader's current position minus what this standby replayed */
  replayLagBytes?: number;
  replayPaused: boolean;
  /** commit time of the last replayed transaction */
  lastReplayAt?: string;
  /** when the WAL receiver last heard from the sender */
  lastMessageAt?: string;
  verdict: ReceiverVerdict;
  error?: string;
}

export interface ReplicationSlot {
  name: string;
  type: string;
  active: boolean;
  restartLsn?: string;
  /** WAL the slot keeps on the leader: current position minus restart_lsn */
  retainedBytes?: number;
  /** reserved, extended, unreserved, lost (PostgreSQL 13+) */
  walStatus?: string;
}

export interface ReplicationReport {
  /** when it was read */
  at: string;
  leader?: string;
  leaderLsn?: string;
  streams: StandbyStream[];
  receivers: StandbyReceiver[];
  slots: ReplicationSlot[];
  /** what could not be read, and why (credentials, a member out of reach) */
  errors: string[];
  /** where the readouts came from */
  source: 'sql' | 'patroni';
}
