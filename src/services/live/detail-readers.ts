// What the console's history and replication panes read, through the lite
// client exactly as `zpg history` and `zpg status` do (so the console and the
// CLI cannot disagree). Who leads and which replicas run comes from the store,
// which the cluster and Patroni feeds keep current: no extra list per tick.
import type { ZpgStore } from '../../store/store.ts';
import { clusterRow } from '../../store/selectors.ts';
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import type { DetailReaders } from './detail-feed.ts';

export function liteDetailReaders(k: LiteKube, store: ZpgStore): DetailReaders {
  return {
    async history(namespace, name) {
      const { readHistory } = await import('../clusters/history.ts');
      return readHistory(k, namespace, name);
    },
    async replication(namespace, name) {
      const row = clusterRow(store.getState(), `${namespace}/${name}`);
      if (!row) throw new Error(`cluster "${name}" is gone from namespace ${namespace}`);
      const running = (m: { podPhase: string }) => m.podPhase === 'Running';
      const leader = row.members.find((m) => m.name === row.leader);
      if (!leader || !running(leader)) throw new Error(row.leader ? `the leader ${row.leader} does not run: no WAL to compare with` : 'no leader: no WAL to compare with');
      const { readReplication } = await import('../clusters/status.ts');
      return readReplication(
        k,
        namespace,
        name,
        row.leader,
        row.members.filter((m) => m.name !== row.leader && running(m)).map((m) => m.name),
      );
    },
  };
}
