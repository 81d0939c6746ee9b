// The sandbox's S3 server is a child process: when its parent dies without a
// chance to stop it (SIGKILL: a killed `zpg demo`, a test runner timing out),
// it must go too, or it holds its port and data directory for ever.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { alive, processesUnder } from '../../src/sandbox/patroni/processes.ts';
import { eventually } from '../helpers/sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-s3-orphan-'));
const server = fileURLToPath(new URL('../../src/sandbox/s3/server.ts', import.meta.url));
let s3rverPid = 0;

afterAll(() => {
  if (s3rverPid && alive(s3rverPid)) process.kill(s3rverPid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('goes when the process that started it is killed with SIGKILL', async () => {
  // A parent that starts the server, prints its own and the server's pid once it answers, and then just waits.
  const script = `
    import { startS3Server } from ${JSON.stringify(server)};
    const s = await startS3Server({ directory: ${JSON.stringify(join(dir, 's3'))}, buckets: ['b'] });
    const res = await fetch(s.endpoint + '/b');
    console.log(JSON.stringify({ status: res.status }));
    setInterval(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    parent.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    parent.once('exit', (code) => reject(new Error(`the parent exited with ${code} before the server answered`)));
  });
  expect(JSON.parse(line)).toEqual({ status: 200 });
  const servers = processesUnder(dir).filter((p) => p.ppid === parent.pid);
  expect(servers).toHaveLength(1);
  s3rverPid = servers[0]!.pid;

  parent.kill('SIGKILL');
  await eventually('the S3 server to go after its parent', () => !alive(s3rverPid), 30_000, 100);
}, 90_000);
