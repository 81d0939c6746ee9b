// Selectors in the forms kubectl, client-node and Patroni send.
import { describe, expect, it } from 'vitest';
import { SelectorError, labelSelectorFromObject, parseFieldSelector, parseLabelSelector } from '../../src/sandbox/api/selectors.ts';

const labels = { application: 'spilo', 'cluster-name': 'acid-x', 'spilo-role': 'master', 'app.kubernetes.io/name': 'db' };

describe('label selectors', () => {
  it('matches equality, set-based and existence requirements', () => {
    const yes = (s: string) => expect(parseLabelSelector(s)(labels), s).toBe(true);
    const no = (s: string) => expect(parseLabelSelector(s)(labels), s).toBe(false);
    yes('application=spilo,cluster-name=acid-x');
    yes('spilo-role in (master, replica)');
    yes('spilo-role notin (replica),!team');
    yes('app.kubernetes.io/name==db');
    yes('missing!=x');
    yes('');
    no('spilo-role=replica');
    no('team');
    no('spilo-role in (replica)');
  });

  it('decodes what kubectl sends (spaces as +) once the query string is parsed', () => {
    const sel = new URLSearchParams('labelSelector=app+in+%28demo%2Cx%29%2C%21nope').get('labelSelector')!;
    expect(parseLabelSelector(sel)({ app: 'x' })).toBe(true);
    expect(parseLabelSelector(sel)({ app: 'x', nope: '' })).toBe(false);
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['a in (b', 'a=b,,c=d', 'bad key=1', `a=${'x'.repeat(64)}`, 'a=b c']) expect(() => parseLabelSelector(bad), bad).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, status: { phase: 'Running' }, spec: { hostNetwork: false } };
  it('matches supported fields and refuses others', () => {
    expect(parseFieldSelector('metadata.name=p,status.phase!=Pending', ['status.phase'])(pod)).toBe(true);
    expect(parseFieldSelector('spec.hostNetwork=false', ['spec.hostNetwork'])(pod)).toBe(true);
    expect(() => parseFieldSelector('spec.foo=1', ['status.phase'])).toThrow('field label not supported: spec.foo');
  });
});

describe('object selectors', () => {
  it('combine matchLabels and matchExpressions', () => {
    const match = labelSelectorFromObject({ matchLabels: { application: 'spilo' }, matchExpressions: [{ key: 'spilo-role', operator: 'In', values: ['master'] }, { key: 'team', operator: 'DoesNotExist' }] });
    expect(match(labels)).toBe(true);
    expect(match({ ...labels, team: 'acid' })).toBe(false);
    expect(labelSelectorFromObject({})(undefined)).toBe(true);
  });
});
