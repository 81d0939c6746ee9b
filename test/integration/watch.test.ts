// Watch streams at the wire: bookmarks only when asked for, the server's own
// time-outs, resuming from a resourceVersion, and the initial-events bookmark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../helpers/sandbox.ts';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ bookmarkIntervalSeconds: 0.2, minWatchTimeoutSeconds: 1 });
});
afterAll(async () => t?.close());

/** Reads a whole watch stream (the server ends it) as event types, with how long it stayed open. */
async function readWatch(query: string): Promise<{ events: { type: string; object: { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } } }[]; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${t.api.url}/api/v1/namespaces/default/configmaps?watch=1&${query}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { events: text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)), ms: Date.now() - started };
}

const create = (name: string) =>
  fetch(`${t.api.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name } }) }).then((r) => r.json() as Promise<{ metadata: { resourceVersion: string } }>);

describe('watch', () => {
  it('sends bookmarks when asked and closes at timeoutSeconds', async () => {
    const { events, ms } = await readWatch('allowWatchBookmarks=true&timeoutSeconds=1');
    expect(events.filter((e) => e.type === 'BOOKMARK').length).toBeGreaterThanOrEqual(2);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(3000);
  });

  it('never sends bookmarks unasked, and closes by itself after the server time-out', async () => {
    const { events, ms } = await readWatch('');
    expect(events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2500);
  });

  it('resumes after a resourceVersion with only the later events', async () => {
    const a = await create('w-a');
    await create('w-b');
    const { events } = await readWatch(`resourceVersion=${a.metadata.resourceVersion}&timeoutSeconds=1`);
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED w-b']);
  });

  it('marks the end of initial events with sendInitialEvents', async () => {
    const { events } = await readWatch('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1');
    const end = events.findIndex((e) => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true');
    expect(end).toBeGreaterThan(0);
    expect(events.slice(0, end).every((e) => e.type === 'ADDED')).toBe(true);
  });
});
