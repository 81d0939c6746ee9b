// Which pod `zpg psql` / `zpg patronictl` run in, from the pods' labels (and
// Patroni's members when no pod carries the role label); and the WebSocket
// frames the lite exec speaks.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frame, parseFrame } from '../../src/services/kube/lite/websocket.ts';
import { choosePod, inPodPsql, psqlCommand, type ShellPodLike } from '../../src/services/tasks/shell-session.ts';
import { UnknownTarget } from '../../src/services/tasks/types.ts';

const pod = (name: string, labels: Record<string, string>, o: { phase?: string; ready?: boolean; deleting?: boolean } = {}): ShellPodLike => ({
  metadata: { name, labels: { 'cluster-name': 'c', ...labels }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

describe('choosePod', () => {
  const members = [pod('c-0', { 'spilo-role': 'replica' }, { ready: false }), pod('c-1', { 'spilo-role': 'master' }), pod('c-2', { 'spilo-role': 'replica' })];

  it('takes the leader by its role label, a ready replica with --replica, a named member as it is', () => {
    expect(choosePod(members, { cluster: 'c' })).toEqual({ pod: 'c-1' });
    expect(choosePod(members, { cluster: 'c', replica: true })).toEqual({ pod: 'c-2' });
    expect(choosePod(members, { cluster: 'c', member: 'c-0' })).toEqual({ pod: 'c-0' });
    // Patroni 4 / newer Spilo say primary
    expect(choosePod([pod('c-0', { 'spilo-role': 'primary' })], { cluster: 'c' })).toEqual({ pod: 'c-0' });
  });

  it("never picks the connection pooler's pods, which carry cluster-name and spilo-role=master too", () => {
    const pooler = pod('c-pooler-7d9', { 'spilo-role': 'master', 'connection-pooler': 'c-pooler', application: 'db-connection-pooler' });
    expect(choosePod([pooler, ...members], { cluster: 'c' })).toEqual({ pod: 'c-1' });
    expect(() => choosePod([pooler, ...members], { cluster: 'c', member: 'c-pooler-7d9' })).toThrow('its members: c-0, c-1, c-2');
  });

  it('skips pods that are not running or are going away, and names the members when none fits', () => {
    const gone = [pod('c-0', { 'spilo-role': 'master' }, { deleting: true }), pod('c-1', { 'spilo-role': 'replica' }, { phase: 'Pending' })];
    expect(() => choosePod(gone, { cluster: 'c' })).toThrow(new UnknownTarget('cluster c has no running leader (members: c-0, c-1)'));
    expect(() => choosePod(members, { cluster: 'c', member: 'c-9' })).toThrow('member "c-9" not found in cluster c; its members: c-0, c-1, c-2');
  });

  it("asks Patroni only when no running pod carries the role label, then follows Patroni's roles", () => {
    const unlabelled = [pod('c-0', {}), pod('c-1', {})];
    expect(choosePod(unlabelled, { cluster: 'c' })).toEqual({ ask: unlabelled });
    const patroni = [
      { name: 'c-0', role: 'replica', state: 'streaming', pendingRestart: false },
      { name: 'c-1', role: 'leader', state: 'running', pendingRestart: false },
    ];
    expect(choosePod(unlabelled, { cluster: 'c' }, patroni)).toEqual({ pod: 'c-1' });
    expect(choosePod(unlabelled, { cluster: 'c', replica: true }, patroni)).toEqual({ pod: 'c-0' });
    expect(() => choosePod(unlabelled, { cluster: 'c' }, [])).toThrow('has no running leader');
  });
});

describe("psql's command line in the pod", () => {
  /** Runs the argv as the pod would, with a fake versioned psql and a fake one on PATH that print who they are. */
  function runIn(pgversion: string | undefined, argv: string[]) {
    const dir = mkdtempSync(join(tmpdir(), 'zpg-psql-argv-'));
    try {
      for (const [where, who] of [['v', 'versioned'], ['path', 'on PATH']] as const) {
        mkdirSync(join(dir, where, 'bin'), { recursive: true });
        writeFileSync(join(dir, where, 'bin', 'psql'), `#!/bin/sh\necho "${who}: $*"\nexit 7\n`);
        chmodSync(join(dir, where, 'bin', 'psql'), 0o755);
      }
      // PGVERSION reaches the fake through the fixed /usr/lib/postgresql/<version>/bin path.
      const version = pgversion === 'fake' ? relative('/usr/lib/postgresql', join(dir, 'v')) : pgversion;
      const env = { PATH: `${join(dir, 'path', 'bin')}:/usr/bin:/bin`, ...(version === undefined ? {} : { PGVERSION: version }) };
      const r = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8' });
      return { out: r.stdout.trim(), code: r.status };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("runs the pod's PGVERSION binary (not Debian's Perl wrapper on PATH), its arguments and exit code intact", () => {
    expect(runIn('fake', psqlCommand('app', ['-c', "select 'a b'"]))).toEqual({ out: "versioned: -U postgres -d app -c select 'a b'", code: 7 });
  });

  it('falls back to psql on PATH when that version is not installed or PGVERSION is unset', () => {
    expect(runIn('99', inPodPsql(['-tA']))).toEqual({ out: 'on PATH: -tA', code: 7 });
    expect(runIn(undefined, inPodPsql(['-tA']))).toEqual({ out: 'on PATH: -tA', code: 7 });
  });
});

describe('WebSocket frames', () => {
  it('masks what the client sends and reads it back, at every length encoding', () => {
    for (const n of [0, 5, 125, 126, 65535, 65536, 200_000]) {
      const payload = Buffer.alloc(n, 7);
      const f = frame(0x2, payload);
      expect(f[1]! & 0x80).toBe(0x80); // masked, as RFC 6455 requires of a client
      const parsed = parseFrame(f);
      expect(parsed).toMatchObject({ fin: true, op: 0x2, size: f.length });
      expect('payload' in parsed && parsed.payload.equals(payload)).toBe(true);
    }
  });

  it('waits for a whole frame, saying how many bytes it needs', () => {
    const server = Buffer.concat([Buffer.from([0x82, 126, 0x01, 0x00]), Buffer.alloc(256, 1)]); // unmasked, 256 bytes
    expect(parseFrame(server.subarray(0, 1))).toEqual({ need: 2 });
    expect(parseFrame(server.subarray(0, 3))).toEqual({ need: 4 });
    expect(parseFrame(server.subarray(0, 100))).toEqual({ need: 260 });
    expect(parseFrame(server)).toMatchObject({ fin: true, op: 2, size: 260 });
  });
});
