// The line that says where the member data comes from and how old it is:
// Patroni's REST API while it answers; the pods' `status` annotations, marked
// stale with the age of the last answer, while it does not.
import { Text } from 'ink';
import type { PatroniView } from '../../store/store.ts';
import { formatDuration } from '../format.ts';
import { useNow } from '../hooks/use-now.ts';

/** a REST view older than this is shown as stale even before a poll fails */
export const STALE_AFTER_MS = 10_000;

export function isStale(view: PatroniView | undefined, now: number): boolean {
  return Boolean(view && (view.error || (view.at && now - view.at > STALE_AFTER_MS)));
}

export function Staleness({ view }: { view?: PatroniView }) {
  const now = useNow(isStale(view, Date.now()));
  if (!view) return <Text dimColor>members: pod annotations, asking Patroni…</Text>;
  if (view.error) {
    const last = view.at ? `last answer ${formatDuration(now - view.at)} ago` : 'no answer yet';
    return (
      <Text color="yellow" wrap="truncate">
        <Text bold>STALE</Text> Patroni unreachable {formatDuration(now - (view.failedSince ?? now))}, {last}; members from pod annotations · {view.error}
      </Text>
    );
  }
  if (isStale(view, now)) {
    return (
      <Text color="yellow" wrap="truncate">
        <Text bold>STALE</Text> last Patroni answer {formatDuration(now - view.at)} ago (via {view.via}), still asking
      </Text>
    );
  }
  return (
    <Text dimColor wrap="truncate">
      members: Patroni REST via {view.via}
      {view.paused ? ' · maintenance mode (paused)' : ''}
    </Text>
  );
}
