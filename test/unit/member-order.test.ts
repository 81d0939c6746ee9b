// Member names sort as ICU's numeric collation sorts them (acid-2 before
// acid-10), without creating the collator on every start.
import { describe, expect, it } from 'vitest';
import { compareNames } from '../../src/services/clusters/member-order.ts';
import { seededRandom } from '../helpers/bad-manifests.ts';

describe('compareNames', () => {
  it('puts acid-2 before acid-10, as a person counts', () => {
    expect(['acid-10', 'acid-2', 'acid-1', 'acid-0'].sort(compareNames)).toEqual(['acid-0', 'acid-1', 'acid-2', 'acid-10']);
  });

  it("agrees with localeCompare(b, 'en', { numeric: true }) on 100,000 pairs of Kubernetes-style names", () => {
    const rnd = seededRandom(6);
    const chars = 'ab-.0123456789z';
    const name = () => Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => chars[Math.floor(rnd() * chars.length)]).join('');
    const differ: string[][] = [];
    for (let i = 0; i < 100_000; i++) {
      const a = name();
      const b = name();
      if (Math.sign(compareNames(a, b)) !== Math.sign(a.localeCompare(b, 'en', { numeric: true }))) differ.push([a, b]);
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('leaves other characters to localeCompare', () => {
    expect(Math.sign(compareNames('Über-1', 'uber-2'))).toBe(Math.sign('Über-1'.localeCompare('uber-2', 'en', { numeric: true })));
  });
});
