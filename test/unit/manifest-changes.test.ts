// Which postgresql updates start a reconcile: not a status write, but any change
// the reconcile acts on (spec via generation, annotations, labels, finalizers, deletion, a new object).
import { describe, expect, it } from 'vitest';
import { ManifestChanges } from '../../src/operator/controller/manifest-changes.ts';

const pg = (meta: Record<string, unknown> = {}, spec: Record<string, unknown> = { numberOfInstances: 1 }, status?: unknown) =>
  ({ metadata: { name: 'acid-a', namespace: 'ns', uid: 'u1', generation: 1, ...meta }, spec, status }) as never;

describe('ManifestChanges', () => {
  it('lets the first sight and every change a reconcile acts on through, and not a status write', () => {
    const c = new ManifestChanges();
    expect(c.changed('ns/acid-a', pg())).toBe(true);
    expect(c.changed('ns/acid-a', pg({}, undefined, { PostgresClusterStatus: 'Running' }))).toBe(false);
    expect(c.changed('ns/acid-a', pg({ generation: 2 }))).toBe(true);
    expect(c.changed('ns/acid-a', pg({ generation: 2, annotations: { a: 'b' } }))).toBe(true);
    expect(c.changed('ns/acid-a', pg({ generation: 2, annotations: { a: 'b' }, labels: { l: 'v' } }))).toBe(true);
    expect(c.changed('ns/acid-a', pg({ generation: 2, annotations: { a: 'b' }, labels: { l: 'v' }, finalizers: ['f'] }))).toBe(true);
    expect(c.changed('ns/acid-a', pg({ generation: 2, annotations: { a: 'b' }, labels: { l: 'v' }, finalizers: ['f'], deletionTimestamp: 'now' }))).toBe(true);
    // the same name again: a new object
    expect(c.changed('ns/acid-a', pg({ generation: 2, annotations: { a: 'b' }, labels: { l: 'v' }, finalizers: ['f'], deletionTimestamp: 'now', uid: 'u2' }))).toBe(true);
  });

  it('without a generation, compares the spec itself', () => {
    const c = new ManifestChanges();
    expect(c.changed('k', pg({ generation: undefined }))).toBe(true);
    expect(c.changed('k', pg({ generation: undefined }, { numberOfInstances: 1 }, { PostgresClusterStatus: 'Running' }))).toBe(false);
    expect(c.changed('k', pg({ generation: undefined }, { numberOfInstances: 2 }))).toBe(true);
  });

  it('forgets a deleted key', () => {
    const c = new ManifestChanges();
    c.changed('k', pg());
    c.forget('k');
    expect(c.changed('k', pg())).toBe(true);
  });
});
