// The SQL behind the replication readout, PostgreSQL 10+ names.

export const LEADER_LSN = 'SELECT pg_current_wal_lsn()::text AS lsn';

export const STREAMS = `SELECT application_name AS name, state, sync_state, sync_priority,
  sent_lsn::text AS sent_lsn, write_lsn::text AS write_lsn, flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn,
  EXTRACT(EPOCH FROM write_lag)::float8 AS write_lag, EXTRACT(EPOCH FROM flush_lag)::float8 AS flush_lag,
  EXTRACT(EPOCH FROM replay_lag)::float8 AS replay_lag
FROM pg_stat_replication ORDER BY application_name`;

export const SLOTS = `SELECT slot_name, slot_type, active, restart_lsn::text AS restart_lsn, wal_status,
  pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS retained
FROM pg_replication_slots ORDER BY slot_name`;

export const RECEIVER = `SELECT (SELECT status FROM pg_stat_wal_receiver) AS receiver_status,
  (SELECT last_msg_receipt_time FROM pg_stat_wal_receiver) AS last_msg,
  pg_last_wal_receive_lsn()::text AS receive_lsn, pg_last_wal_replay_lsn()::text AS replay_lsn,
  pg_is_wal_replay_paused() AS paused, pg_last_xact_replay_timestamp() AS last_replay`;
