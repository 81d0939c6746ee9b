// Byte counts as the CLI, the console and the backup tasks print them: a small dump is never "0.0".
import { describe, expect, it } from 'vitest';
import { bytes } from '../../src/services/bytes.ts';

describe('bytes', () => {
  it('picks the unit a person reads: B, kB, MB, GB, with one decimal below 10', () => {
    expect([0, 512, 1023, 1024, 24_576, 1_572_864, 114_294_784, 2.5 * 1024 ** 3].map(bytes)).toEqual(['0 B', '512 B', '1023 B', '1.0 kB', '24 kB', '1.5 MB', '109 MB', '2.5 GB']);
    expect(bytes(undefined)).toBe('');
  });
});
