// Files a pod's exec'd commands read (patronictl's config, the hosts file) are
// replaced whole: a patronictl started by one exec while another exec set up
// the pod read a half-copied config and failed (seen as 15 in 600 concurrent
// `zpg patronictl -- list` runs on 2 busy cores). A hosts file is never
// replaced at all: a patronictl died in nss_wrapper's reload of a replaced one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { execContext } from '../../src/sandbox/kubelet/exec-env.ts';
import type { Member } from '../../src/sandbox/patroni/member.ts';
import type { PodRuntime } from '../../src/sandbox/kubelet/kubelet.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-exec-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configFile = join(dir, 'patroni.yml');
const services = join(dir, 'services.hosts');
const rt = { uid: 'u', ip: '127.0.23.5', container: 'postgres', podDir: join(dir, 'pod'), kubeconfig: join(dir, 'kubeconfig'), serviceEnv: { NSS_WRAPPER_HOSTS: services }, member: { configFile } as unknown as Member } as PodRuntime & { member: Member };
// a config that only a whole read ends with its last line
const config = (n: number) => `scope: acid-x\n${'# padding\n'.repeat(20_000)}name: member-${n}\nend: true\n`;

it('a reader never sees a half-written patronictl config while execs set up the pod', async () => {
  writeFileSync(services, '127.0.23.9 acid-x\n');
  writeFileSync(configFile, config(0));
  execContext('acid-x-0', rt);
  const target = join(rt.podDir, 'postgres.yml');
  const done = join(dir, 'done');
  // another process, as patronictl is: reads until told to stop, counts reads that were not whole
  const reader = spawn(process.execPath, ['-e', `
    const fs = require('node:fs'); let reads = 0, torn = 0;
    while (!fs.existsSync(${JSON.stringify(done)})) { reads++; if (!fs.readFileSync(${JSON.stringify(target)}, 'utf8').endsWith('end: true\\n')) torn++; }
    process.stdout.write(JSON.stringify({ reads, torn }));`]);
  let out = '';
  reader.stdout.on('data', (d: Buffer) => (out += d));
  const exited = new Promise((r) => reader.once('close', r));
  for (let i = 1; i <= 300; i++) {
    writeFileSync(configFile, config(i)); // the member's config changes (a recreated pod)
    execContext('acid-x-0', rt);
    await new Promise((r) => setImmediate(r));
  }
  writeFileSync(done, '');
  await exited;
  const { reads, torn } = JSON.parse(out) as { reads: number; torn: number };
  expect(reads).toBeGreaterThan(0);
  expect(torn).toBe(0);
  expect(statSync(target).mode & 0o777).toBe(0o600); // it holds passwords
});

it('gives a new content a new hosts file and never replaces one a running command may read', () => {
  writeFileSync(services, '127.0.23.9 acid-x\n');
  const first = execContext('acid-x-0', rt).env.NSS_WRAPPER_HOSTS!;
  const before = statSync(first);
  expect(execContext('acid-x-0', rt).env.NSS_WRAPPER_HOSTS).toBe(first); // same content: the same file, untouched
  expect(statSync(first).ino).toBe(before.ino);
  // An Endpoints change while a command runs with the first file (nss_wrapper rereads a replaced file under it).
  writeFileSync(services, '127.0.23.9 acid-x\n127.0.23.10 acid-x-repl\n');
  const second = execContext('acid-x-0', rt).env.NSS_WRAPPER_HOSTS!;
  expect(second).not.toBe(first);
  expect(readFileSync(second, 'utf8')).toBe('127.0.23.5 localhost localhost.localdomain acid-x-0\n127.0.23.9 acid-x\n127.0.23.10 acid-x-repl\n');
  expect(readFileSync(first, 'utf8')).toBe('127.0.23.5 localhost localhost.localdomain acid-x-0\n127.0.23.9 acid-x\n');
  expect(statSync(first).ino).toBe(before.ino);
  expect(statSync(first).mtimeMs).toBe(before.mtimeMs);
  expect(statSync(second).mode & 0o777).toBe(0o644);
});

it('removes old hosts files only beyond the newest few and after some minutes', () => {
  const old = Date.now() / 1000 - 3600;
  const files = Array.from({ length: 12 }, (_, i) => join(rt.podDir, `hosts-old${i}`));
  files.forEach((f, i) => {
    writeFileSync(f, '');
    utimesSync(f, old + i, old + i);
  });
  const recent = join(rt.podDir, 'hosts-recent');
  writeFileSync(recent, '');
  writeFileSync(services, `127.0.23.11 acid-y\n`);
  const current = execContext('acid-x-0', rt).env.NSS_WRAPPER_HOSTS!;
  const left = readdirSync(rt.podDir).filter((f) => f.startsWith('hosts-'));
  expect(existsSync(current)).toBe(true);
  expect(existsSync(recent)).toBe(true); // young: a command may still use it
  expect(existsSync(files[11])).toBe(true); // among the newest
  expect(existsSync(files[0])).toBe(false);
  expect(left.length).toBe(9); // the current one and the newest eight others
});
