// The part sizes of a streamed upload: S3 takes 10,000 parts at most, so
// fixed 5 MiB parts would stop a dump at 48.8 GiB.
import { describe, expect, it } from 'vitest';
import { largestObject, partSizeFor } from '../../src/services/s3/stream-upload.ts';

const MiB = 1024 * 1024;

describe('partSizeFor', () => {
  it('keeps 5 MiB for the first 1,000 parts, then doubles every 1,000', () => {
    expect([1, 1000, 1001, 2000, 2001, 9001, 10_000].map((n) => partSizeFor(n) / MiB)).toEqual([5, 5, 10, 10, 20, 2560, 2560]);
  });

  it('never asks for a part over S3\'s 5 GiB', () => {
    expect(partSizeFor(10_000, 100 * MiB)).toBe(5 * 1024 * MiB);
  });

  it('reaches S3\'s largest object, 5 TiB, within 10,000 parts where fixed parts stop at 48.8 GiB', () => {
    expect(largestObject() / 1024 ** 4).toBeGreaterThan(4.8);
    expect(largestObject(5 * MiB, 10_000) / 1024 ** 3).toBeCloseTo(48.83, 2);
  });
});
