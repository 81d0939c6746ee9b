// zpg status's Version line: what the leader runs, and the manifest's version when it asks for another major
// (a version bump whose upgrade has not run: zpg's operator does not run major upgrades yet).
import { describe, expect, it } from 'vitest';
import { versionText } from '../../src/cli/commands/status.ts';

describe('zpg status Version', () => {
  it('says what runs, and what the manifest asks for when the major differs', () => {
    expect(versionText({ version: '15', runningVersion: '15.18' })).toBe('15.18');
    expect(versionText({ version: '16', runningVersion: '15.18' })).toBe('15.18 running; the manifest asks for 16 (the major version upgrade has not run)');
    expect(versionText({ version: '15' })).toBe('15');
    expect(versionText({ version: '' })).toBe('<unknown>');
  });
});
