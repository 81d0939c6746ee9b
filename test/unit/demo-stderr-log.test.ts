// The demo's console owns the screen: what the sandbox says meanwhile goes to
// a file, and stderr is the terminal's again afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { divertStderr } from '../../src/sandbox/demo/stderr-log.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('divertStderr', () => {
  it('writes to the log, not the terminal, and gives stderr back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpg-stderr-'));
    dirs.push(dir);
    const file = join(dir, 'sandbox.log');
    const before = process.stderr.write;
    const d = divertStderr(file);
    expect(process.stderr.write).not.toBe(before);
    let called = false;
    process.stderr.write('sandbox base backup of default/acid-demo-0 failed: starting up\n', () => (called = true));
    process.stderr.write(Buffer.from('raw bytes\n'));
    expect(d.restore()).toBe(2);
    expect(process.stderr.write).toBe(before);
    expect(called).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+Z sandbox base backup of default\/acid-demo-0 failed: starting up\nraw bytes\n$/);
  });
});
