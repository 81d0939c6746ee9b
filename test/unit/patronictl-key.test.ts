// The console's patronictl key: c on a member hands the terminal to a
// patronictl session in that pod (list, then a prompt), named "patronictl" in
// the status line; it is a mutating key, so --read-only hides and refuses it.
import { describe, expect, it } from 'vitest';
import type { ClusterRow } from '../../src/services/clusters/summary.ts';
import { actionFor, helpLines, usableBindings } from '../../src/ui/keymap.ts';
import { openTask, PATRONICTL_SESSION } from '../../src/ui/task-ui.ts';

const row = { name: 'acid-demo', namespace: 'default', leader: 'acid-demo-0', members: [] } as unknown as ClusterRow;

describe('patronictl key', () => {
  it('c in the cluster view (members) is patronictl, handed over like psql', () => {
    expect(actionFor('cluster', 'c', 'members')).toBe('patronictl');
    expect(actionFor('clusters', 'c')).toBeUndefined();
    expect(usableBindings(false).find((b) => b.action === 'patronictl')).toMatchObject({ effect: 'hand over', mutating: true });
    expect(helpLines(false).some((l) => l.keys === 'c' && l.help.startsWith('patronictl'))).toBe(true);
  });

  it('runs the patronictl session in the selected member', () => {
    const { effect } = openTask('patronictl', { row, member: 'default/acid-demo-1' }, false);
    expect(effect).toEqual({ type: 'shell', namespace: 'default', pod: 'acid-demo-1', command: PATRONICTL_SESSION, label: 'patronictl' });
    expect(PATRONICTL_SESSION.slice(0, 2)).toEqual(['sh', '-c']);
    expect(PATRONICTL_SESSION[2]).toMatch(/^patronictl list; /);
    expect(openTask('patronictl', { row }, false).effect).toEqual({ type: 'error', text: 'no member selected' });
  });

  it('read-only: not in the help, refused with the reason', () => {
    expect(helpLines(true).some((l) => l.keys === 'c')).toBe(false);
    expect(openTask('patronictl', { row, member: 'default/acid-demo-1' }, true).effect).toEqual({ type: 'error', text: 'read-only session (--read-only): patronictl is disabled' });
  });
});
