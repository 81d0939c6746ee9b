// `zpg list --watch`: the snapshot kept current by watches on postgresqls and
// their pods (the lite client), each change handed on as a fresh snapshot. A
// watch the server ends is resumed from the last version seen; a version too
// old (410 Gone) means a fresh list.
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { kubeWatch, type WatchEvent } from '../kube/lite/request.ts';
import { clusterRows } from '../../store/store.ts';
import { listPaths } from './load-lite.ts';
import { liteSnapshot, type Snapshot } from './snapshot.ts';

const withWatch = (path: string, version: string) => `${path}${path.includes('?') ? '&' : '?'}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(version)}`;

export async function watchSnapshot(k: LiteKube, namespace: string | undefined, selector: string | undefined, first: Snapshot, onChange: (s: Snapshot) => void, signal?: AbortSignal): Promise<void> {
  let snap = first;
  const paths = listPaths(namespace, selector);
  const follow = async (kind: 'postgresqls' | 'pods') => {
    for (;;) {
      if (signal?.aborted) return;
      let gone = false;
      await kubeWatch(
        k,
        withWatch(paths[kind], snap.versions[kind]),
        (e: WatchEvent) => {
          const version = (e.object.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
          if (e.type === 'ERROR') {
            gone = (e.object as { code?: number }).code === 410;
            return;
          }
          if (version) snap.versions[kind] = version;
          if (e.type === 'BOOKMARK') return;
          snap.store.getState().apply([{ op: e.type === 'DELETED' ? 'remove' : 'upsert', kind, obj: e.object }]);
          snap = { ...snap, rows: clusterRows(snap.store.getState()) };
          onChange(snap);
        },
        signal,
      );
      if (gone) {
        const fresh = await liteSnapshot(k, namespace, selector);
        snap = fresh;
        onChange(snap);
      }
    }
  };
  await Promise.all([follow('postgresqls'), follow('pods')]);
}
