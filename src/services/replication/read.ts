// Reads the replication readout: SQL on the leader (pg_stat_replication, the
// slots, its WAL position) and on each standby (pg_stat_wal_receiver and the
// replay functions), all at once with a deadline. When SQL is out of reach
// (no credentials, no RBAC for the Secret), Patroni's /patroni of each member
// gives positions without the leader's per-standby view: source 'patroni'.
import type { MemberStatus } from '../patroni/types.ts';
import { LEADER_LSN, RECEIVER, SLOTS, STREAMS } from './queries.ts';
import { behind, lsnBytes, lsnText, receiverFromRow, slotFromRow, streamFromRow, verdict } from './judge.ts';
import type { ReplicationReport, StandbyReceiver } from './types.ts';

export interface Sql {
  query(text: string): Promise<Record<string, unknown>[]>;
  end(): Promise<void>;
}

export interface ReplicationTarget {
  leader?: string;
  replicas: string[];
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function readReplicationSql(t: ReplicationTarget, connect: (member: string) => Promise<Sql>, now = Date.now()): Promise<ReplicationReport> {
  const errors: string[] = [];
  const report: ReplicationReport = { at: new Date(now).toISOString(), leader: t.leader, streams: [], receivers: [], slots: [], errors, source: 'sql' };
  let leaderLsn: number | undefined;
  if (t.leader) {
    try {
      const db = await connect(t.leader);
      try {
        // one connection answers one query at a time
        const lsn = await db.query(LEADER_LSN);
        const streams = await db.query(STREAMS);
        const slots = await db.query(SLOTS);
        report.leaderLsn = String(lsn[0]?.lsn ?? '') || undefined;
        leaderLsn = lsnBytes(report.leaderLsn);
        report.streams = streams.map((r) => streamFromRow(r, leaderLsn));
        report.slots = slots.map(slotFromRow);
      } finally {
        await db.end().catch(() => {});
      }
    } catch (e) {
      errors.push(`${t.leader}: ${message(e)}`);
    }
  }
  report.receivers = await Promise.all(
    t.replicas.map(async (name): Promise<StandbyReceiver> => {
      try {
        const db = await connect(name);
        try {
          const [row] = await db.query(RECEIVER);
          return receiverFromRow(name, row ?? {}, leaderLsn, now);
        } finally {
          await db.end().catch(() => {});
        }
      } catch (e) {
        errors.push(`${name}: ${message(e)}`);
        return { name, receiverStatus: null, replayPaused: false, verdict: 'not receiving', error: message(e) };
      }
    }),
  );
  return report;
}

/** Positions from Patroni's /patroni of each member: receive and replay against the leader's WAL, no per-standby sender view. */
export async function readReplicationPatroni(t: ReplicationTarget, status: (member: string) => Promise<MemberStatus>, now = Date.now()): Promise<ReplicationReport> {
  const errors: string[] = [];
  const get = async (name: string) => status(name).catch((e: unknown) => (errors.push(`${name}: ${message(e)}`), undefined));
  const [leader, ...replicas] = await Promise.all([t.leader ? get(t.leader) : Promise.resolve(undefined), ...t.replicas.map(get)]);
  const top = leader?.walPosition;
  return {
    at: new Date(now).toISOString(),
    leader: t.leader,
    leaderLsn: lsnText(top),
    streams: (leader?.replication ?? []).map((r) => ({ name: r.applicationName, state: r.state, syncState: r.syncState, syncPriority: 0, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null })),
    receivers: t.replicas.map((name, i): StandbyReceiver => {
      const s = replicas[i];
      if (!s) return { name, receiverStatus: null, replayPaused: false, verdict: 'not receiving', error: 'Patroni did not answer' };
      const streaming = (leader?.replication ?? []).some((r) => r.applicationName === name && r.state === 'streaming');
      const base = {
        name,
        receiverStatus: streaming ? 'streaming' : null,
        receiveLsn: lsnText(s.receivedPosition),
        replayLsn: lsnText(s.walPosition),
        receiveLagBytes: behind(top, s.receivedPosition),
        replayLagBytes: behind(top, s.walPosition),
        replayPaused: s.replicationPaused === true,
      };
      return { ...base, verdict: verdict(base, now) };
    }),
    slots: [],
    errors,
    source: 'patroni',
  };
}
