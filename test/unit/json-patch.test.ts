// JSON patch (RFC 6902) as kubectl patch --type json sends it.
import { describe, expect, it } from 'vitest';
import { PatchError, applyJsonPatch, applyMergePatch, applyServerSideApply } from '../../src/sandbox/api/patch.ts';

const doc = { metadata: { labels: { 'app/x': 'a' } }, spec: { list: [1, 2, 3], n: 1 } };

describe('patches', () => {
  it('applies add, remove, replace, move, copy and test, escaping ~1', () => {
    const out = applyJsonPatch(doc, [
      { op: 'add', path: '/spec/list/-', value: 4 },
      { op: 'remove', path: '/spec/list/0' },
      { op: 'replace', path: '/spec/n', value: 2 },
      { op: 'copy', from: '/spec/n', path: '/spec/m' },
      { op: 'move', from: '/metadata/labels/app~1x', path: '/metadata/labels/moved' },
      { op: 'test', path: '/spec/m', value: 2 },
    ]);
    expect(out).toEqual({ metadata: { labels: { moved: 'a' } }, spec: { list: [2, 3, 4], n: 2, m: 2 } });
    expect(doc.spec.list).toEqual([1, 2, 3]); // input untouched
  });

  it('refuses what cannot apply with a PatchError, never a crash', () => {
    for (const ops of [[1], [{ op: 'add' }], [{ op: 'test', path: '/spec/n', value: 9 }], [{ op: 'replace', path: '/nope/x', value: 1 }], [{ op: 'remove', path: '/spec/list/7' }], { not: 'a list' }]) {
      expect(() => applyJsonPatch(doc, ops)).toThrow(PatchError);
    }
  });

  it('merge patch deletes with null and replaces lists', () => {
    expect(applyMergePatch(doc, { spec: { list: [9], n: null } })).toEqual({ metadata: doc.metadata, spec: { list: [9] } });
  });

  it('server-side apply drops what the same manager stopped applying', () => {
    const live = { metadata: { name: 'c' }, data: { a: '1', b: '2', mine: 'x' } };
    const out = applyServerSideApply(live, { metadata: { name: 'c' }, data: { a: '1' } }, { metadata: { name: 'c' }, data: { a: '1', mine: 'x' } }, 'ConfigMap', false);
    expect(out.data).toEqual({ a: '1', b: '2' });
  });
});
