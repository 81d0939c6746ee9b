// The operator's restart of members with pending parameters: Patroni's /cluster
// (read from the DCS) still says a member is pending until that member's next
// loop, so a sync right after a restart saw the leader pending again and
// restarted it a second time (seen in a loaded CI run of operator-sql). Each
// member's own /patroni decides.
import { describe, expect, it } from 'vitest';
import { restartPending } from '../../src/operator/controller/sync-postgres.ts';
import { createLogger } from '../../src/services/log.ts';
import { PatroniClient, type PatroniRequest, type PatroniTransport } from '../../src/services/patroni/client.ts';

const members = [
  { name: 'c-0', role: 'leader', state: 'running', host: '10.0.0.1', port: 5432, timeline: 1, pending_restart: true },
  { name: 'c-1', role: 'replica', state: 'streaming', host: '10.0.0.2', port: 5432, timeline: 1, lag: 0, pending_restart: true },
];

function world(ownPending: Record<string, boolean>) {
  const calls: string[] = [];
  const reply = (status: number, body: unknown) => Promise.resolve({ status, text: typeof body === 'string' ? body : JSON.stringify(body) });
  const dcs: PatroniTransport = (r) => (r.path === '/cluster' ? reply(200, { members }) : reply(404, 'not here'));
  const own = (pod: string): PatroniTransport => (r: PatroniRequest) => {
    calls.push(`${r.method} ${pod} ${r.path}`);
    if (r.path === '/patroni') return reply(200, { state: 'running', role: pod === 'c-0' ? 'master' : 'replica', ...(ownPending[pod] ? { pending_restart: true } : {}) });
    if (r.path === '/restart') return reply(200, 'restarted successfully');
    return reply(404, 'not here');
  };
  const events: string[] = [];
  const run = () =>
    restartPending(
      new PatroniClient(dcs),
      members.map((m) => ({ namespace: 'default', pod: m.name, podIP: m.host })),
      { patroni: (t) => own(t.pod) },
      {},
      async (_type, _reason, message) => void events.push(message),
      createLogger({ write: () => {} }),
    );
  return { calls, events, run };
}

describe('restart for pending parameters', () => {
  it('restarts each member whose own Patroni still says pending, replicas first', async () => {
    const w = world({ 'c-0': true, 'c-1': true });
    await w.run();
    expect(w.calls.filter((c) => c.startsWith('POST'))).toEqual(['POST c-1 /restart', 'POST c-0 /restart']);
    expect(w.events).toEqual(['restarting Postgres server within replica pod c-1', 'restarting Postgres server within master pod c-0']);
  });

  it('leaves alone a member the DCS still lists as pending but that has restarted', async () => {
    const w = world({ 'c-0': false, 'c-1': true });
    await w.run();
    expect(w.calls.filter((c) => c.startsWith('POST'))).toEqual(['POST c-1 /restart']);
    expect(w.events).toEqual(['restarting Postgres server within replica pod c-1']);
  });
});
