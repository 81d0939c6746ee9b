// Key sequences as a user types them, through the one keymap.
import { describe, expect, it } from 'vitest';
import { initialUi, reduce, type Effect, type UiState } from '../../src/ui/ui-state.ts';
import { KEYMAP, actionFor, hintsFor } from '../../src/ui/keymap.ts';

function type(keys: string[], rows = 5, selected = 'default/acid-a'): { state: UiState; effects: Effect[] } {
  let state = initialUi;
  const effects: Effect[] = [];
  for (const k of keys) {
    const r = reduce(state, k, { rows, selected });
    state = r.state;
    if (r.effect) effects.push(r.effect);
  }
  return { state, effects };
}

describe('console keys', () => {
  it('moves within bounds, opens a cluster and comes back', () => {
    expect(type(['j', 'j', 'j', 'j', 'j', 'j']).state.cursor).toBe(4);
    expect(type(['k']).state.cursor).toBe(0);
    const opened = type(['j', 'return']).state;
    expect(opened).toMatchObject({ view: 'cluster', open: 'default/acid-a' });
    expect(type(['return', 'escape']).state.view).toBe('clusters');
  });

  it('filters with / and clears with escape', () => {
    expect(type(['/', 'a', 'c', 'x', 'backspace', 'return']).state.filter).toBe('ac');
    expect(type(['/', 'a', 'escape']).state.filter).toBe('');
  });

  it('understands k9s-style commands and reports unknown ones', () => {
    expect(type([':', 'n', 's', ' ', 'p', 'r', 'o', 'd', 'return']).effects).toEqual([{ type: 'namespace', namespace: 'prod' }]);
    expect(type([':', 'n', 's', ' ', 'a', 'l', 'l', 'return']).effects).toEqual([{ type: 'namespace', namespace: undefined }]);
    expect(type([':', 'q', 'return']).effects).toEqual([{ type: 'quit' }]);
    expect(type([':', 'x', 'return']).effects[0]).toMatchObject({ type: 'error' });
  });

  it('takes keys only where the keymap says, and hints come from the same table', () => {
    expect(actionFor('help', 'j')).toBeUndefined();
    expect(actionFor('clusters', 'q')).toBe('quit');
    for (const b of KEYMAP.filter((k) => k.hint && k.views.includes('clusters'))) expect(hintsFor('clusters')).toContain(`${b.label} ${b.short ?? b.help}`);
    expect(hintsFor('clusters').length).toBeLessThanOrEqual(80);
    expect(hintsFor('cluster')).not.toContain('filter');
  });

  it('counts every key of a multi-character read, control characters included', async () => {
    const { keyNames } = await import('../../src/ui/input.ts');
    const none = { upArrow: false, downArrow: false, pageUp: false, pageDown: false, return: false, escape: false, backspace: false, delete: false, ctrl: false } as Parameters<typeof keyNames>[1];
    expect(keyNames('jj\r', none)).toEqual(['j', 'j', 'return']);
  });
});
