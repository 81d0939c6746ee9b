// Patroni 3 and 4 answers (shapes measured on Patroni 3.0.2, with 4.x's words)
// read into zpg's types without losing what patronictl users know.
import { describe, expect, it } from 'vitest';
import { parseCluster, parseHistory, parseMemberStatus } from '../../src/services/patroni/parse.ts';
import { isHealthyReplica, isLeaderRole } from '../../src/services/patroni/types.ts';

describe('Patroni REST parsing', () => {
  it('reads /cluster, keeping Patroni words and turning "unknown" lag into null', () => {
    const view = parseCluster({
      members: [
        { name: 'demo-0', role: 'leader', state: 'running', api_url: 'http://127.0.0.11:8008/patroni', host: '127.0.0.11', port: 5432, timeline: 2 },
        { name: 'demo-1', role: 'replica', state: 'streaming', host: '127.0.0.12', port: 5432, timeline: 2, lag: 1048576, pending_restart: true },
        { name: 'demo-2', role: 'replica', state: 'stopped', host: '127.0.0.13', port: 5432, lag: 'unknown' },
      ],
      pause: true,
      scheduled_switchover: { at: '2030-01-01T00:00:00+00:00', from: 'demo-0', to: 'demo-1' },
    });
    expect(view.paused).toBe(true);
    expect(view.scheduledSwitchover?.to).toBe('demo-1');
    expect(view.members.map((m) => [m.name, m.role, m.state, m.lagBytes, m.pendingRestart])).toEqual([
      ['demo-0', 'leader', 'running', undefined, false],
      ['demo-1', 'replica', 'streaming', 1048576, true],
      ['demo-2', 'replica', 'stopped', null, false],
    ]);
    expect(view.members[2].timeline).toBeUndefined();
  });

  it('accepts both spellings of leader and of a streaming replica', () => {
    expect(['master', 'primary', 'leader', 'standby_leader'].every(isLeaderRole)).toBe(true);
    expect(isLeaderRole('replica')).toBe(false);
    expect(isHealthyReplica({ role: 'replica', state: 'running' })).toBe(true);
    expect(isHealthyReplica({ role: 'sync_standby', state: 'streaming' })).toBe(true);
    expect(isHealthyReplica({ role: 'replica', state: 'creating replica' })).toBe(false);
    expect(isHealthyReplica({ role: 'master', state: 'running' })).toBe(false);
  });

  it('reads /patroni on a leader and on a replica', () => {
    const leader = parseMemberStatus({
      state: 'running', role: 'master', server_version: 150018, xlog: { location: 67108960 }, timeline: 1,
      replication: [{ usename: 'standby', application_name: 'demo-2', state: 'streaming', sync_state: 'async' }],
      database_system_identifier: '7711526176605389721', patroni: { version: '3.0.2', scope: 'demo' },
    });
    expect(leader).toMatchObject({ role: 'master', walPosition: 67108960, scope: 'demo', patroniVersion: '3.0.2' });
    expect(leader.replication).toEqual([{ applicationName: 'demo-2', state: 'streaming', syncState: 'async' }]);
    const replica = parseMemberStatus({ state: 'running', role: 'replica', xlog: { received_location: 100, replayed_location: 90, paused: false } });
    expect(replica).toMatchObject({ walPosition: 90, receivedPosition: 100, replicationPaused: false });
  });

  it('reads /history entries', () => {
    expect(parseHistory([[1, 67109256, 'no recovery target specified', '2026-11-24T00:20:43.630114+00:00', 'demo-1']])).toEqual([
      { timeline: 1, lsn: 67109256, reason: 'no recovery target specified', timestamp: '2026-11-24T00:20:43.630114+00:00', newLeader: 'demo-1' },
    ]);
    expect(parseHistory({ not: 'a list' })).toEqual([]);
  });
});
