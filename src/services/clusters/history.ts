// A cluster's timeline history as `patronictl history` shows it: from
// Patroni's /history (leader first); when no member answers, from the copy
// Patroni keeps in its DCS (the `history` annotation of `<cluster>-config`).
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { kubeJson } from '../kube/lite/request.ts';
import { candidates } from '../live/patroni-feed.ts';
import { PatroniClient } from '../patroni/client.ts';
import { litePatroniTransport } from '../patroni/lite-transport.ts';
import { parseHistory } from '../patroni/parse.ts';
import type { HistoryEntry } from '../patroni/types.ts';
import { lsnText } from '../replication/judge.ts';
import type { PodLike } from './summary.ts';

export interface HistoryRow {
  /** the timeline that ended here */
  timeline: number;
  /** where it ended, as PostgreSQL prints an LSN */
  lsn: string;
  lsnBytes: number;
  reason: string;
  /** RFC 3339, UTC; null when Patroni did not record it */
  time: string | null;
  /** the member that led the next timeline */
  newLeader: string | null;
}

export interface HistoryReport {
  rows: HistoryRow[];
  /** the member whose REST API answered, or 'dcs' */
  via: string;
}

export function historyRows(entries: HistoryEntry[]): HistoryRow[] {
  return entries.map((e) => {
    const t = e.timestamp ? Date.parse(e.timestamp) : NaN;
    return { timeline: e.timeline, lsn: lsnText(e.lsn) ?? '0/0', lsnBytes: e.lsn, reason: e.reason, time: Number.isNaN(t) ? null : new Date(t).toISOString(), newLeader: e.newLeader ?? null };
  });
}

export async function readHistory(k: LiteKube, namespace: string, name: string): Promise<HistoryReport> {
  const ns = encodeURIComponent(namespace);
  const pods = await kubeJson<{ items: PodLike[] }>(k, { path: `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(`cluster-name=${name}`)}` });
  const errors: string[] = [];
  for (const p of candidates(pods.items)) {
    const pod = p.metadata?.name ?? '';
    try {
      return { rows: historyRows(await new PatroniClient(litePatroniTransport(k, namespace, pod), 3_000).history()), via: pod };
    } catch (e) {
      errors.push(`${pod}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  for (const kind of ['endpoints', 'configmaps']) {
    const obj = await kubeJson<{ metadata?: { annotations?: Record<string, string> } }>(k, { path: `/api/v1/namespaces/${ns}/${kind}/${encodeURIComponent(`${name}-config`)}` }).catch(() => undefined);
    const text = obj?.metadata?.annotations?.history;
    if (text !== undefined) {
      try {
        return { rows: historyRows(parseHistory(JSON.parse(text))), via: 'dcs' };
      } catch {
        errors.push(`${kind}/${name}-config: its history annotation is not JSON`);
      }
    }
  }
  throw new Error(`no history for cluster "${name}" in namespace ${namespace}: ${errors.join('; ') || 'no member pods and no Patroni configuration object'}`);
}
