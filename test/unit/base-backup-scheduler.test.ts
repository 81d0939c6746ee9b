// The sandbox's base backup scheduler says why a backup failed, also when the
// program printed nothing, and keeps quiet about a backup it cancelled because
// the pod went away (CI logs showed "failed: " and nothing after it).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BaseBackupScheduler } from '../../src/sandbox/backup/scheduler.ts';
import { eventually } from '../helpers/sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-scheduler-'));
const said: string[] = [];
const schedulers: BaseBackupScheduler[] = [];
vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (said.push(String(s)), true));

afterEach(async () => {
  for (const s of schedulers.splice(0)) await s.stop();
  said.length = 0;
});

/** A backup-push that runs `script` (its first argument is "backup-push"). */
function start(key: string, script: string): BaseBackupScheduler {
  const s = new BaseBackupScheduler();
  schedulers.push(s);
  s.observe(key, true, ['sh', '-c', script, 'sh']);
  return s;
}

describe('BaseBackupScheduler', () => {
  it("names the pod and the program's last line when a backup fails", async () => {
    start('default/acid-a-0/uid', 'echo "connecting" >&2; echo "pg_basebackup: error: connection refused" >&2; exit 1');
    await eventually('the failure', () => said.find((l) => l.includes('acid-a-0')), 10_000);
    expect(said).toEqual(['sandbox base backup of default/acid-a-0 failed: pg_basebackup: error: connection refused\n']);
  });

  it('says how it ended when the program printed nothing', async () => {
    start('default/acid-b-0/uid', 'exit 3');
    await eventually('the failure', () => said.find((l) => l.includes('acid-b-0')), 10_000);
    expect(said).toEqual(['sandbox base backup of default/acid-b-0 failed: exited with 3\n']);
  });

  it('keeps quiet about a backup it cancelled because the pod is gone', async () => {
    const started = join(dir, 'started');
    const s = start('default/acid-c-0/uid', `echo $$ > ${started}; exec sleep 60`);
    const pid = Number(await eventually('the backup running', () => readFileSync(started, 'utf8').trim(), 10_000));
    const cancelled = s.forget('default/acid-c-0/uid');
    expect(cancelled).toBeInstanceOf(Promise); // settles once the backup has ended and been accounted for
    await cancelled;
    expect(() => process.kill(pid, 0)).toThrow();
    expect(said).toEqual([]);
  });
});

process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
