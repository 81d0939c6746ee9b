// `zpg render` of manifests with wrong types, out-of-range numbers and absurd
// nesting: one line naming the field and the fix, exit 1, never JavaScript
// internals (run `npm run build` first).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zpg } from '../helpers/zpg.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-render-bad-'));
const INTERNALS = /object Object|is not a function|is not iterable|Cannot read|Maximum call stack|\n {4}at /;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const manifest = (spec: string) => `apiVersion: acid.zalan.do/v1
kind: postgresql
metadata:
  name: acid-bad
spec:
  teamId: acid
  postgresql:
    version: "15"
  volume:
    size: 1Gi
${spec}`;

async function refused(spec: string): Promise<string> {
  const r = await zpg(['render', '-f', file(`m${Math.random().toString(36).slice(2)}.yaml`, manifest(spec))]);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).not.toMatch(INTERNALS);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  return r.stderr;
}

describe('zpg render refuses bad types and values by field', () => {
  it('an int32 field beyond 2147483647', async () => {
    expect(await refused('  numberOfInstances: 1e20\n')).toMatch(/spec\.numberOfInstances: 100000000000000000000 is out of range for int32; use a whole number from -2147483648 to 2147483647/);
  });

  it('a string where the schema wants a list, a map where it wants a list, an env entry without a name', async () => {
    expect(await refused('  numberOfInstances: 1\n  maintenanceWindows: "Mon:01:00-02:00"\n')).toMatch(/spec\.maintenanceWindows: must be a list; write it as a YAML list/);
    expect(await refused('  numberOfInstances: 1\n  env:\n    FOO: bar\n')).toMatch(/spec\.env: must be a list/);
    expect(await refused('  numberOfInstances: 1\n  env:\n  - value: x\n')).toMatch(/spec\.env\[0\]\.name: is required; add name to spec\.env\[0\]/);
  });

  it('valid JSON nested 2,000 deep is refused with the depth limit', async () => {
    let deep = '1';
    for (let i = 0; i < 2000; i++) deep = `{"a":${deep}}`;
    const path = file('deep.json', `{"apiVersion":"acid.zalan.do/v1","kind":"postgresql","metadata":{"name":"acid-deep"},"spec":{"teamId":"acid","nodeAffinity":${deep}}}`);
    const r = await zpg(['render', '-f', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/deep\.json: nested 2002 levels deep; the depth limit is 1000 levels/);
    expect(r.stderr).not.toMatch(INTERNALS);
  });
});
