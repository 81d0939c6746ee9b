import { mkdtempSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimVolume } from '../../src/sandbox/kubelet/volume-identity.ts';

describe('a claim directory belongs to one claim', () => {
  it('keeps data for the same claim, and for a directory made before claims were recorded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpg-vol-'));
    writeFileSync(join(dir, 'PG_VERSION'), '15');
    expect(claimVolume(dir, 'uid-1')).toBe(false);
    expect(claimVolume(dir, 'uid-1')).toBe(false);
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
  });

  it('is empty for a new claim of the same name (the old one was deleted)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zpg-vol-'));
    claimVolume(dir, 'uid-1');
    writeFileSync(join(dir, 'PG_VERSION'), '15');
    expect(claimVolume(dir, 'uid-2')).toBe(true);
    expect(readdirSync(dir)).toEqual(['.zpg-claim-uid']);
  });
});
