// The pure parts of the readouts: LSN arithmetic, the verdict that tells a
// stuck receiver from a stuck replay, Patroni's DCS facts, and the kubeconfig
// as the lite client reads it (kubectl's rules, no client-node).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dcsFacts } from '../../src/services/clusters/dcs.ts';
import { historyRows } from '../../src/services/clusters/history.ts';
import { KubeConfigError, LiteUnsupported, loadLiteKube } from '../../src/services/kube/lite/kubeconfig.ts';
import { lsnBytes, lsnText, receiverFromRow } from '../../src/services/replication/judge.ts';

const NOW = Date.parse('2026-12-04T12:00:00Z');

describe('replication verdicts', () => {
  it('converts LSNs both ways', () => {
    expect(lsnBytes('1/0')).toBe(2 ** 32);
    expect(lsnBytes('0/5CD4F90')).toBe(0x5cd4f90);
    expect(lsnText(0x5cd4f90)).toBe('0/5CD4F90');
    expect(lsnText(2 ** 32 + 16)).toBe('1/10');
    expect(lsnBytes(null)).toBeUndefined();
  });

  const row = (o: Record<string, unknown>) => ({ receiver_status: 'streaming', last_msg: new Date(NOW - 1000), receive_lsn: '0/5000000', replay_lsn: '0/5000000', paused: false, ...o });
  const leader = lsnBytes('0/5000000');

  it('reads a paused replay, a silent receiver, a missing receiver and replay behind differently', () => {
    expect(receiverFromRow('m', row({}), leader, NOW).verdict).toBe('streaming');
    expect(receiverFromRow('m', row({ paused: true, replay_lsn: '0/4000000' }), leader, NOW)).toMatchObject({ verdict: 'replay paused', receiveLagBytes: 0, replayLagBytes: 0x1000000 });
    expect(receiverFromRow('m', row({ receive_lsn: '0/4000000', replay_lsn: '0/4000000', last_msg: new Date(NOW - 60_000) }), leader, NOW).verdict).toBe('receive stuck');
    expect(receiverFromRow('m', row({ receive_lsn: '0/4000000', replay_lsn: '0/4000000' }), leader, NOW).verdict).toBe('catching up');
    expect(receiverFromRow('m', row({ receiver_status: null, last_msg: null }), leader, NOW).verdict).toBe('not receiving');
    expect(receiverFromRow('m', row({ replay_lsn: '0/4FFFF00' }), leader, NOW).verdict).toBe('replay behind');
  });
});

describe("Patroni's DCS and history", () => {
  it('finds maintenance mode and a scheduled switchover in the -config and -failover objects', () => {
    const facts = dcsFacts([
      { metadata: { name: 'a-config', namespace: 'ns', annotations: { config: '{"pause":true,"ttl":30}' } } },
      { metadata: { name: 'a-failover', namespace: 'ns', annotations: { leader: 'a-0', member: 'a-1', scheduled_at: '2030-01-01T00:00:00+00:00' } } },
      { metadata: { name: 'b-config', namespace: 'ns', annotations: { config: '{"ttl":30}' } } },
      { metadata: { name: 'a', namespace: 'ns', annotations: { leader: 'a-0' } } },
    ]);
    expect(facts.get('ns/a')).toEqual({ paused: true, scheduledSwitchover: { at: '2030-01-01T00:00:00+00:00', from: 'a-0', to: 'a-1' } });
    expect(facts.get('ns/b')).toEqual({ paused: false });
  });

  it('turns Patroni history into RFC 3339 times and PostgreSQL LSNs', () => {
    expect(historyRows([{ timeline: 1, lsn: 67109256, reason: 'no recovery target specified', timestamp: '2026-11-24T00:20:43.630114+01:00', newLeader: 'demo-1' }, { timeline: 2, lsn: 1, reason: '' }])).toEqual([
      { timeline: 1, lsn: '0/4000188', lsnBytes: 67109256, reason: 'no recovery target specified', time: '2026-11-23T23:20:43.630Z', newLeader: 'demo-1' },
      { timeline: 2, lsn: '0/1', lsnBytes: 1, reason: '', time: null, newLeader: null },
    ]);
  });
});

describe('lite kubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-lite-'));
  const file = (name: string, doc: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const base = {
    clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443/', 'certificate-authority-data': Buffer.from('CA').toString('base64') } }],
    users: [{ name: 'u', user: { token: 'secret-token' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team' } }],
    'current-context': 'x',
  };

  it('reads server, namespace, CA and token as kubectl does', () => {
    const k = loadLiteKube({ kubeconfig: file('a', base) }, {});
    expect(k).toMatchObject({ context: 'x', namespace: 'team', server: 'https://k8s.example:6443', insecure: false });
    expect(k.ca?.toString()).toBe('CA');
    expect(k.credentials().token).toBe('secret-token');
    expect(loadLiteKube({ kubeconfig: file('a', base), namespace: 'other' }, {}).namespace).toBe('other');
  });

  it('merges $KUBECONFIG files, the first definition winning', () => {
    const second = file('b', { ...base, contexts: [{ name: 'y', context: { cluster: 'c', user: 'u' } }], 'current-context': 'y' });
    expect(loadLiteKube({}, { KUBECONFIG: `${file('a', base)}:${second}` }).context).toBe('x');
    expect(loadLiteKube({ context: 'y' }, { KUBECONFIG: `${file('a', base)}:${second}` }).namespace).toBe('default');
  });

  it('runs an exec credential plugin', () => {
    const plugin = { ...base, users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', 'console.log(JSON.stringify({status:{token:"from-plugin"}}))'] } } }] };
    expect(loadLiteKube({ kubeconfig: file('c', plugin) }, {}).credentials().token).toBe('from-plugin');
  });

  it('names a missing context, and leaves auth-provider plugins and proxies to client-node', () => {
    expect(() => loadLiteKube({ kubeconfig: file('a', base), context: 'nope' }, {})).toThrow(new KubeConfigError('--context nope: no such context in the kubeconfig (contexts: x)'));
    expect(() => loadLiteKube({ kubeconfig: file('d', { ...base, users: [{ name: 'u', user: { 'auth-provider': { name: 'gcp', config: {} } } }] }) }, {})).toThrow(LiteUnsupported);
    expect(() => loadLiteKube({ kubeconfig: file('a', base) }, { HTTPS_PROXY: 'http://proxy:3128' })).toThrow(LiteUnsupported);
  });
});
