// Turns Patroni's JSON into zpg's types. Patroni is the authority on its own
// fields, so unknown shapes are tolerated and odd values ("unknown" lag,
// missing timelines during a switchover) become explicit absences.
import type { ClusterMember, ClusterView, HistoryEntry, MemberStatus } from './types.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Patroni reports lag in bytes, or the string "unknown"; 4.x may also send receive/replay lag. */
function lag(v: unknown): number | null | undefined {
  if (v === undefined) return undefined;
  return num(v) ?? null;
}

export function parseCluster(body: unknown): ClusterView {
  const b = obj(body);
  const members = (Array.isArray(b.members) ? b.members : []).map((raw): ClusterMember => {
    const m = obj(raw);
    return {
      name: str(m.name) ?? '',
      role: str(m.role) ?? 'unknown',
      state: str(m.state) ?? 'unknown',
      host: str(m.host),
      port: num(m.port),
      apiUrl: str(m.api_url),
      timeline: num(m.timeline),
      // 4.1 adds receive_lag/replay_lag beside lag; take them when lag is absent.
      lagBytes: lag(m.lag ?? m.replay_lag ?? m.receive_lag),
      pendingRestart: m.pending_restart === true,
      scheduledRestart: str(obj(m.scheduled_restart).schedule),
      tags: m.tags ? obj(m.tags) : undefined,
    };
  });
  const sw = obj(b.scheduled_switchover);
  return {
    members,
    paused: b.pause === true,
    scheduledSwitchover: str(sw.at) ? { at: str(sw.at)!, from: str(sw.from), to: str(sw.to) } : undefined,
  };
}

export function parseMemberStatus(body: unknown): MemberStatus {
  const b = obj(body);
  const xlog = obj(b.xlog);
  const patroni = obj(b.patroni);
  return {
    state: str(b.state) ?? 'unknown',
    role: str(b.role) ?? 'unknown',
    serverVersion: num(b.server_version),
    timeline: num(b.timeline),
    postmasterStartTime: str(b.postmaster_start_time),
    pendingRestart: b.pending_restart === true,
    walPosition: num(xlog.location) ?? num(xlog.replayed_location),
    receivedPosition: num(xlog.received_location),
    replicationPaused: typeof xlog.paused === 'boolean' ? xlog.paused : undefined,
    patroniVersion: str(patroni.version),
    scope: str(patroni.scope),
    systemIdentifier: str(b.database_system_identifier),
    replication: (Array.isArray(b.replication) ? b.replication : []).map((r) => {
      const o = obj(r);
      return { applicationName: str(o.application_name) ?? '', state: str(o.state) ?? '', syncState: str(o.sync_state) ?? '' };
    }),
  };
}

export function parseHistory(body: unknown): HistoryEntry[] {
  if (!Array.isArray(body)) return [];
  return body
    .filter((e): e is unknown[] => Array.isArray(e))
    .map((e) => ({ timeline: num(e[0]) ?? 0, lsn: num(e[1]) ?? 0, reason: str(e[2]) ?? '', timestamp: str(e[3]), newLeader: str(e[4]) }));
}
