// Patroni's REST API as zpg reads it. Patroni 3 and 4 spell some things
// differently (master/primary, running/streaming); the raw words are kept,
// because users know them from patronictl, and the helpers below read both.

export interface ClusterMember {
  name: string;
  /** Patroni's word: leader, replica, sync_standby, standby_leader (3.x: also master) */
  role: string;
  /** Patroni's word: running, streaming, stopped, starting, stopping, creating replica, ... */
  state: string;
  host?: string;
  port?: number;
  apiUrl?: string;
  timeline?: number;
  /** replication lag in bytes; null when Patroni says "unknown" */
  lagBytes?: number | null;
  pendingRestart: boolean;
  scheduledRestart?: string;
  tags?: Record<string, unknown>;
}

export interface ClusterView {
  members: ClusterMember[];
  paused: boolean;
  scheduledSwitchover?: { at: string; from?: string; to?: string };
}

export interface MemberStatus {
  state: string;
  role: string;
  serverVersion?: number;
  timeline?: number;
  postmasterStartTime?: string;
  pendingRestart: boolean;
  /** leader: current WAL position; replica: the replayed position */
  walPosition?: number;
  receivedPosition?: number;
  replicationPaused?: boolean;
  patroniVersion?: string;
  scope?: string;
  systemIdentifier?: string;
  replication: { applicationName: string; state: string; syncState: string }[];
}

export interface HistoryEntry {
  timeline: number;
  lsn: number;
  reason: string;
  timestamp?: string;
  newLeader?: string;
}

const LEADER_ROLES = new Set(['leader', 'master', 'primary', 'standby_leader', 'standby-leader']);
const HEALTHY_REPLICA_STATES = new Set(['running', 'streaming']);

export const isLeaderRole = (role: string) => LEADER_ROLES.has(role);

/** A replica that Patroni reports as following its leader (3.x says running, 4.x streaming). */
export const isHealthyReplica = (m: Pick<ClusterMember, 'role' | 'state'>) =>
  !isLeaderRole(m.role) && HEALTHY_REPLICA_STATES.has(m.state);
