// The clusters view's BACKUP column: how old the newest backup (base or
// logical) is, with '!' and red when one is overdue on its schedule; '-'
// without a bucket, '…' until read, '?' when it cannot be read.
import type { BackupsState } from '../../services/live/backups-types.ts';
import type { ClusterRow } from '../../services/clusters/summary.ts';
import type { Column } from '../components/columns.tsx';
import { backupCell } from './backups-format.ts';

/** Dropped after TEAM, VER and the cluster's AGE, before LEADER and LAG: on a narrow screen the backup age matters more. */
export function backupColumn(backups: BackupsState, now = Date.now(), sorted = false): Column<ClusterRow> {
  const cell = (r: ClusterRow) => backupCell(backups, `${r.namespace}/${r.name}`, now);
  // one more cell for the sort mark only while it is the sort column: at 80 columns that costs AGE
  return { title: 'BACKUP', width: sorted ? 7 : 6, drop: 3.5, cell: (r) => cell(r).text, tone: (r) => (cell(r).overdue ? 'bad' : undefined) };
}
