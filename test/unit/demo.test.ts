// The demo's pieces that need no processes: what it says when members cannot
// run, sample manifests the operator accepts, and the claims that keep two
// demos apart (data directory, loopback subnet).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingForMembers } from '../../src/cli/commands/demo.ts';
import { parseConfigMapData } from '../../src/operator/config/parse.ts';
import type { Postgresql } from '../../src/operator/model/types.ts';
import { validate } from '../../src/operator/model/validate.ts';
import { claimDataDir } from '../../src/sandbox/demo/data-dir.ts';
import { clusterManifest, OPERATOR_CONFIG, SAMPLE_CLUSTERS } from '../../src/sandbox/demo/samples.ts';
import { claimSubnet } from '../../src/sandbox/demo/subnet.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-demo-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zpg demo', () => {
  it('names what is missing and the set-up command that installs it', () => {
    expect(missingForMembers({ ok: true })).toBeUndefined();
    const message = missingForMembers({ ok: false, missing: ['patroni (/usr/bin/patroni)'] })!;
    expect(message).toContain('patroni (/usr/bin/patroni)');
    expect(message).toContain('`bash scripts/setup.sh demo`');
    expect(message).toContain('--no-pods');
  });

  it('configures the operator and creates sample clusters it accepts, with loopback-sized Patroni timings', () => {
    const parsed = parseConfigMapData(OPERATOR_CONFIG);
    expect(parsed.problems).toEqual([]);
    expect(parsed.unknown).toEqual([]);
    expect(SAMPLE_CLUSTERS.map((c) => [c.name, c.instances])).toEqual([['acid-demo', 3], ['acid-small', 2]]);
    for (const c of SAMPLE_CLUSTERS) {
      const m = clusterManifest(c) as unknown as Postgresql;
      expect(validate(m, parsed.config).errors).toEqual([]);
      expect(m.spec.patroni).toEqual({ ttl: 8, loop_wait: 2, retry_timeout: 3 });
    }
  });

  it('lets one demo use a data directory at a time, and takes over from one that is gone', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    // A live process whose command line says demo, as `zpg demo` would.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)', 'demo'], { stdio: 'ignore' });
    try {
      writeFileSync(join(data, 'demo.pid'), `${other.pid}\n`);
      await expect(claimDataDir(data, { members: false })).rejects.toThrow(`another zpg demo (pid ${other.pid}) is using ${data}`);
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    const mine = await claimDataDir(data, { members: false });
    mine.release();
  });

  it('hands each demo a subnet of its own until it lets go', () => {
    const a = claimSubnet(200, 210);
    const b = claimSubnet(200, 210);
    expect(b.octet).not.toBe(a.octet);
    a.release();
    const c = claimSubnet(200, 210);
    expect(c.octet).toBe(a.octet);
    b.release();
    c.release();
  });
});
