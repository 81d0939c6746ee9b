// The row scripts read: `zpg list -o json` prints these, and `zpg status -o
// json` prints the same fields plus members, replication and events. Times
// are RFC 3339, byte quantities say so in their key.
import type { ClusterRow } from './summary.ts';
import type { DcsFacts, ScheduledSwitchover } from './dcs.ts';

export interface ListRow extends Omit<ClusterRow, 'members'> {
  /** Patroni's maintenance mode */
  paused: boolean;
  /** some member waits for a restart to apply its configuration */
  pendingRestart: boolean;
  scheduledSwitchover?: ScheduledSwitchover;
  /** scheduled restarts by member (RFC 3339) */
  scheduledRestarts?: Record<string, string>;
}

export function listRow(row: ClusterRow, dcs: DcsFacts | undefined, restarts?: Record<string, string>): ListRow {
  const { members, ...rest } = row;
  return {
    ...rest,
    paused: dcs?.paused ?? false,
    pendingRestart: members.some((m) => m.pendingRestart),
    ...(dcs?.scheduledSwitchover ? { scheduledSwitchover: dcs.scheduledSwitchover } : {}),
    ...(restarts && Object.keys(restarts).length ? { scheduledRestarts: restarts } : {}),
  };
}

/** What needs a DBA's eye beside the health word: maintenance, restarts, a switchover on the calendar. */
export function notes(r: ListRow): string[] {
  return [
    ...(r.paused ? ['paused'] : []),
    ...(r.pendingRestart ? ['restart pending'] : []),
    ...(r.scheduledSwitchover ? [`switchover at ${r.scheduledSwitchover.at}`] : []),
    ...Object.entries(r.scheduledRestarts ?? {}).map(([m, at]) => `restart ${m} at ${at}`),
  ];
}
