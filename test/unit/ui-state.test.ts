// Key sequences as a user types them, through the one keymap.
import { describe, expect, it } from 'vitest';
import { findMatch, follow, initialUi, reduce, type Effect, type KeyContext, type UiState } from '../../src/ui/ui-state.ts';
import { readFileSync } from 'node:fs';
import { KEYMAP, actionFor, helpLines, hintsFor } from '../../src/ui/keymap.ts';

function type(keys: string[], rows = 5, selected = 'default/acid-a', more: Omit<KeyContext, 'rows' | 'selected'> = {}, from = initialUi): { state: UiState; effects: Effect[] } {
  let state = from;
  const effects: Effect[] = [];
  for (const k of keys) {
    const r = reduce(state, k, { rows, selected, ...more });
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
    expect(actionFor('help', 's')).toBeUndefined();
    expect(actionFor('help', 'j')).toBe('down'); // the help scrolls
    expect(actionFor('clusters', 'q')).toBe('quit');
    for (const b of KEYMAP.filter((k) => k.hint && k.views.includes('clusters'))) expect(hintsFor('clusters')).toContain(`${b.label} ${b.short ?? b.help}`);
    expect(hintsFor('clusters').length).toBeLessThanOrEqual(80);
    expect(hintsFor('cluster')).not.toContain('filter');
    for (const v of ['cluster', 'log', 'help'] as const) expect(hintsFor(v).length).toBeLessThanOrEqual(79);
  });

  it('keeps the list cursor across a visit to a cluster, and moves the member cursor within the cluster', () => {
    const members = ['default/acid-a-0', 'default/acid-a-1', 'default/acid-a-2'];
    const s = type(['j', 'j', 'return', 'j', 'j', 'j', 'j'], 5, 'default/acid-a', { members, page: 3 }).state;
    expect(s).toMatchObject({ view: 'cluster', cursor: 2, member: 2 });
    expect(type(['escape'], 5, 'default/acid-a', {}, s).state).toMatchObject({ view: 'clusters', cursor: 2 });
  });

  it('opens a member log with enter, and goes back to the cluster with esc', () => {
    const members = ['default/acid-a-0', 'default/acid-a-1'];
    const s = type(['return', 'j', 'return'], 5, 'default/acid-a', { members }).state;
    expect(s).toMatchObject({ view: 'log', log: 'default/acid-a-1', logTop: undefined });
    expect(type(['escape'], 5, 'default/acid-a', {}, s).state).toMatchObject({ view: 'cluster', open: 'default/acid-a', member: 1 });
  });

  it('scrolls the events/manifest pane once tab or y gives it the keys', () => {
    const ctx = { members: ['default/acid-a-0'], paneLines: 30, page: 10 };
    const s = type(['return', 'y', 'j', 'j', 'pageDown'], 5, 'default/acid-a', ctx).state;
    expect(s).toMatchObject({ pane: 'manifest', paneFocus: true, paneTop: 12, member: 0 });
    expect(type(['G'], 5, '', ctx, s).state.paneTop).toBe(20); // the last page, not past it
    expect(type(['tab', 'j'], 5, '', ctx, s).state).toMatchObject({ paneFocus: false, paneTop: 12 });
    expect(type(['e'], 5, '', ctx, s).state).toMatchObject({ pane: 'events', paneTop: 0 });
    // enter in the pane does not open a log
    expect(type(['return'], 5, '', ctx, s).state.view).toBe('cluster');
  });

  it('holds a log where it is scrolled up, and follows again at the end, with G or f', () => {
    const log = { logFirst: 100, logCount: 50, page: 20 };
    const from: UiState = { ...initialUi, view: 'log', open: 'default/acid-a', log: 'default/acid-a-0' };
    const up = type(['k'], 5, '', log, from).state;
    expect(up.logTop).toBe(129); // bottom page starts at 130
    expect(type(['g'], 5, '', log, up).state.logTop).toBe(100);
    expect(type(['j'], 5, '', log, up).state.logTop).toBeUndefined();
    expect(type(['G'], 5, '', log, { ...up, logTop: 100 }).state.logTop).toBeUndefined();
    expect(type(['f'], 5, '', log, from).state.logTop).toBe(130);
    expect(type(['f', 'f'], 5, '', log, from).state.logTop).toBeUndefined();
  });

  it('scrolls the help and returns to the view it came from', () => {
    const s = type(['return', '?', 'j', 'j'], 5, 'default/acid-a', { members: ['default/acid-a-0'], helpLines: 30, page: 20 }).state;
    expect(s).toMatchObject({ view: 'help', helpTop: 2 });
    expect(type(['escape'], 5, '', {}, s).state.view).toBe('cluster');
  });

  it('has every key of the keymap in the README\'s console section', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### The console'), readme.indexOf('\n## ', readme.indexOf('### The console')));
    for (const l of helpLines()) for (const k of l.keys.split(' ')) expect(section, `key ${k} (${l.help})`).toContain(`\`${k}\``);
  });

  it('counts every key of a multi-character read, control characters included', async () => {
    const { keyNames } = await import('../../src/ui/input.ts');
    const none = { upArrow: false, downArrow: false, pageUp: false, pageDown: false, return: false, escape: false, backspace: false, delete: false, ctrl: false } as Parameters<typeof keyNames>[1];
    expect(keyNames('jj\r', none)).toEqual(['j', 'j', 'return']);
    expect(keyNames('\t', { ...none, tab: true })).toEqual(['tab']);
    expect(keyNames('', { ...none, end: true })).toEqual(['end']);
  });

  it('keeps the cursors on their cluster and member by name when rows move, and on the index when one is gone', () => {
    const moved = type(['j'], 3, undefined, { rowKeys: ['d/a', 'd/b', 'd/c'] }).state;
    expect(moved).toMatchObject({ cursor: 1, selected: 'd/b' });
    expect(follow(moved, ['d/0', 'd/a', 'd/b', 'd/c'], undefined)).toMatchObject({ cursor: 2, selected: 'd/b' });
    expect(follow(moved, ['d/a', 'd/c'], undefined)).toMatchObject({ cursor: 1, selected: 'd/c' });
    expect(follow(moved, [], undefined)).toBe(moved); // an empty list (a filter being typed) forgets nothing
    const onMember = { ...initialUi, view: 'cluster' as const, member: 1, selectedMember: 'd/a-1' };
    expect(follow(onMember, undefined, ['d/a-1', 'd/a-2'])).toMatchObject({ member: 0, selectedMember: 'd/a-1' });
  });

  it('gives enter and the hints to what has the keys in the cluster view', () => {
    const members = ['d/a-0'];
    const inPane = type(['return', 'e', 'return'], 1, 'd/a', { members }).state;
    expect(inPane).toMatchObject({ view: 'cluster', paneFocus: true });
    expect(hintsFor('cluster', 'pane')).not.toContain('enter log');
    expect(hintsFor('cluster', 'pane')).toContain('tab members');
    expect(type(['tab', 'return'], 1, 'd/a', { members }, inPane).state.view).toBe('log');
  });

  it('searches the log both ways, case-insensitively', () => {
    const lines = ['a', 'ERROR one', 'b', 'error two'];
    expect(findMatch(lines, 10, 10, 1, 'Error')).toBe(11);
    expect(findMatch(lines, 10, 12, 1, 'error')).toBe(13);
    expect(findMatch(lines, 10, 12, -1, 'error')).toBe(11);
    expect(findMatch(lines, 10, 10, -1, 'error')).toBeUndefined();
  });
});
