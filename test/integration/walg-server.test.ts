// The sandbox's WAL-G stand-in as PostgreSQL and Patroni call it: the hook
// commands prepareMemberBackup renders (walg-client.py over the process's
// socket) against a real s3rver. WAL goes in and comes back byte for byte in
// WAL-G's key layout; a segment the archive lacks is "not found" (exit 1)
// and leaves no file behind; a configuration the process did not prepare is
// refused; a replica with no base backup to restore falls through (exit 1),
// so Patroni tries its next method.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareMemberBackup, type MemberBackup } from '../../src/sandbox/backup/member-hooks.ts';
import { startS3Server, type S3Server } from '../../src/sandbox/s3/server.ts';

const root = mkdtempSync(join(tmpdir(), 'zpg-walgtest-'));
chmodSync(root, 0o755);
let s3: S3Server;
let member: MemberBackup;

/** The hook as the shell runs it: argv prefix + command. */
function hook(args: string[], cwd = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(member.argv[0], [...member.argv.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  mkdirSync(join(root, 's3'));
  s3 = await startS3Server({ directory: join(root, 's3'), buckets: ['walg'] });
  const env = { SCOPE: 'w', WAL_S3_BUCKET: 'walg', WAL_BUCKET_SCOPE_SUFFIX: '/u1', WAL_BUCKET_SCOPE_PREFIX: '', AWS_ENDPOINT: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  member = prepareMemberBackup(env, join(root, 'w-0'), { name: 'w-0', ip: '127.0.0.1', superuser: { password: 'x' }, replication: { password: 'y' } })!;
}, 60_000);

afterAll(async () => {
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the WAL-G stand-in over its socket', () => {
  it('renders hooks that run the client, not a Node process', () => {
    expect(member.hooks.archiveCommand).toMatch(/python3?' '-S' '-E' '[^']*walg-client\.py' '[^']+' '--config' '[^']+env\.json' wal-push "%p"$/);
    expect(member.hooks.restoreCommand).toMatch(/ wal-fetch "%f" "%p"$/);
    // the S3 keys stay in the member's envdir, never on a command line
    expect(JSON.stringify(member.hooks)).not.toContain('S3RVER');
  });

  it('archives a segment and restores it byte for byte, relative to the data directory as PostgreSQL runs it', async () => {
    const data = join(root, 'data');
    mkdirSync(join(data, 'pg_wal'), { recursive: true });
    const seg = Buffer.alloc(16 * 1024 * 1024);
    randomBytes(1024 * 1024).copy(seg, 4096);
    writeFileSync(join(data, 'pg_wal', '000000010000000000000007'), seg);
    const push = await hook(['wal-push', 'pg_wal/000000010000000000000007'], data);
    expect(push).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(root, 's3', 'walg', 'spilo', 'w', 'u1', 'wal', '15', 'wal_005', '000000010000000000000007.br._S3rver_object'))).toBe(true);
    const fetch = await hook(['wal-fetch', '000000010000000000000007', 'pg_wal/RECOVERYXLOG'], data);
    expect(fetch).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(join(data, 'pg_wal', 'RECOVERYXLOG')).equals(seg)).toBe(true);
  }, 60_000);

  it('answers a segment the archive lacks with exit 1 and no file', async () => {
    const dest = join(root, 'missing');
    const r = await hook(['wal-fetch', '00000002.history', dest]);
    expect(r.code).toBe(1);
    expect(existsSync(dest)).toBe(false);
  }, 30_000);

  it('has no base backup to restore a replica from yet: exit 1 with the prefix, so Patroni tries basebackup', async () => {
    const r = await hook(['replica-restore', '--scope=w', `--datadir=${join(root, 'replica')}`, '--role=replica']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no base backup under s3://walg/spilo/w/u1/wal/15/');
  }, 30_000);

  it('refuses a configuration file this process did not prepare', async () => {
    const other = join(root, 'other.json');
    writeFileSync(other, readFileSync(member.configFile));
    const r = await hook(['--config', other, 'wal-fetch', '000000010000000000000007', join(root, 'x')]);
    // the later --config wins in the parser, as it would for any repeated flag
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/other\.json is not a member configuration of this sandbox/);
  }, 30_000);
});
