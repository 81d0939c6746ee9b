// The console's task keys as a pure reducer, and the task runner's records:
// the picker lists replicas with lag and tags (blocked ones last), the
// confirmation names the target by namespace/name and wants the cluster's
// name typed for destructive tasks, read-only refuses, and a runner's steps
// go pending → running/waiting → done/skipped/failed with elapsed times.
import { describe, expect, it } from 'vitest';
import type { ClusterRow } from '../../src/services/clusters/summary.ts';
import type { ClusterMember } from '../../src/services/patroni/types.ts';
import { dryRunTask, refusedTask, runTask } from '../../src/services/tasks/runner.ts';
import type { TaskRecord } from '../../src/services/tasks/types.ts';
import { inPodPsql } from '../../src/services/tasks/shell-session.ts';
import { createZpgStore } from '../../src/store/store.ts';
import { usableBindings } from '../../src/ui/keymap.ts';
import { modalKey, openTask, type Modal } from '../../src/ui/task-ui.ts';

const row = { name: 'acid-demo', namespace: 'default', leader: 'acid-demo-0', members: [] } as unknown as ClusterRow;
const members: ClusterMember[] = [
  { name: 'acid-demo-0', role: 'leader', state: 'running', pendingRestart: false },
  { name: 'acid-demo-1', role: 'replica', state: 'streaming', lagBytes: 2048, pendingRestart: false, tags: { clonefrom: true } },
  { name: 'acid-demo-2', role: 'replica', state: 'streaming', lagBytes: 0, pendingRestart: false },
  { name: 'acid-demo-3', role: 'replica', state: 'streaming', lagBytes: 0, pendingRestart: false, tags: { nofailover: true } },
];

const typeAll = (m: Modal, text: string) => [...text].reduce((acc, c) => modalKey(acc, c).modal!, m);

describe('console task keys', () => {
  it('switchover: a picker of replicas, least lag first, nofailover last and not pickable; then a y/n confirmation naming both', () => {
    const { modal } = openTask('switchover', { row, members, member: 'default/acid-demo-1' }, false);
    expect(modal).toMatchObject({ kind: 'pick', cluster: 'default/acid-demo', leader: 'acid-demo-0' });
    const pick = modal as Extract<Modal, { kind: 'pick' }>;
    expect(pick.candidates.map((c) => [c.name, c.lagBytes, c.tags, c.blocked])).toEqual([
      ['acid-demo-2', 0, '', undefined],
      ['acid-demo-1', 2048, 'clonefrom', undefined],
      ['acid-demo-3', 0, 'nofailover', 'nofailover'],
    ]);
    const blocked = modalKey(modalKey(modalKey(pick, 'down').modal!, 'down').modal!, 'return');
    expect(blocked.effect).toEqual({ type: 'error', text: 'acid-demo-3 cannot take over (nofailover)' });
    const confirm = modalKey(modalKey(pick, 'down').modal!, 'return').modal!;
    expect(confirm).toMatchObject({ kind: 'confirm', destructive: false, title: 'switch over default/acid-demo from acid-demo-0 to default/acid-demo-1' });
    expect(modalKey(confirm, 'y').effect).toEqual({ type: 'task', namespace: 'default', request: { kind: 'switchover', cluster: 'acid-demo', candidate: 'acid-demo-1' } });
    expect(modalKey(confirm, 'escape')).toEqual({});
  });

  it('a destructive task runs only after the cluster name is typed', () => {
    const { modal } = openTask('reinit', { row, members, member: 'default/acid-demo-2' }, false);
    expect(modal).toMatchObject({ kind: 'confirm', destructive: true });
    expect((modal as Extract<Modal, { kind: 'confirm' }>).title).toContain('reinitialise default/acid-demo-2');
    const wrong = modalKey(typeAll(modal!, 'acid-dem'), 'return');
    expect(wrong.effect).toEqual({ type: 'error', text: '"acid-dem" is not acid-demo; type the cluster\'s name, or esc' });
    expect(modalKey(wrong.modal!, 'y').modal).toMatchObject({ typed: 'y' }); // y is just a letter here
    const right = modalKey(typeAll(modal!, 'acid-demo'), 'return');
    expect(right.effect).toEqual({ type: 'task', namespace: 'default', request: { kind: 'reinit', cluster: 'acid-demo', member: 'acid-demo-2' } });
  });

  it('restart of the leader is destructive, of a replica a y/n; reinit and recreate of the leader are refused', () => {
    expect(openTask('restart', { row, members, member: 'default/acid-demo-0' }, false).modal).toMatchObject({ destructive: true });
    expect(openTask('restart', { row, members, member: 'default/acid-demo-1' }, false).modal).toMatchObject({ destructive: false });
    expect(openTask('recreate', { row, members, member: 'default/acid-demo-0' }, false).effect).toEqual({ type: 'error', text: 'default/acid-demo-0 leads acid-demo: switch over first (S)' });
  });

  it('pause toggles, psql hands over to the selected member', () => {
    expect(openTask('pause', { row, members, paused: true }, false).effect).toEqual({ type: 'task', namespace: 'default', request: { kind: 'resume', cluster: 'acid-demo' } });
    expect(openTask('psql', { row, members, member: 'default/acid-demo-2' }, false).effect).toEqual({ type: 'shell', namespace: 'default', pod: 'acid-demo-2', command: inPodPsql(['-U', 'postgres']), label: 'psql' });
  });

  it('read-only refuses every mutating key and hides it from the keymap', () => {
    expect(openTask('switchover', { row, members }, true).effect).toEqual({ type: 'error', text: 'read-only session (--read-only): switchover is disabled' });
    const ro = usableBindings(true).map((b) => b.action);
    expect(ro).not.toContain('switchover');
    expect(ro).not.toContain('psql');
    expect(ro).toContain('tasks');
    expect(usableBindings(false).map((b) => b.action)).toContain('recreate');
  });
});

describe('task runner', () => {
  it('records each step with its state, what it waits for, elapsed times, and the result; the store keeps the record', async () => {
    const store = createZpgStore();
    const seen: TaskRecord[] = [];
    const task = await runTask(
      {
        kind: 'switchover',
        cluster: 'default/acid-demo',
        title: 'switchover of acid-demo',
        steps: [
          { name: 'ask', run: async () => 'Successfully switched over' },
          { name: 'wait', run: async (s) => { s.waiting('acid-demo-1 to lead'); await new Promise((r) => setTimeout(r, 20)); s.result('acid-demo-1 leads'); } },
          { name: 'already', run: async (s) => s.skip('already done') },
        ],
      },
      (t) => {
        seen.push(t);
        store.getState().setTask(t);
      },
    );
    expect(task).toMatchObject({ state: 'done', result: 'acid-demo-1 leads' });
    expect(task.steps.map((s) => [s.state, s.detail])).toEqual([['done', 'Successfully switched over'], ['done', 'acid-demo-1 to lead'], ['skipped', 'already done']]);
    expect(task.steps[1].endedAt! - task.steps[1].startedAt!).toBeGreaterThanOrEqual(15);
    expect(seen.some((t) => t.steps[1].state === 'waiting')).toBe(true);
    expect(store.getState().tasks[task.id]).toEqual(task);
  });

  it('fails at the first failing step with its reason, and stops there', async () => {
    let ran = false;
    const task = await runTask({ kind: 'reinit', cluster: 'default/x', title: 't', steps: [{ name: 'ask', run: async () => Promise.reject(new Error('503 reinitialize already in progress')) }, { name: 'never', run: async () => void (ran = true) }] }, () => {});
    expect(task).toMatchObject({ state: 'failed', result: 'ask: 503 reinitialize already in progress' });
    expect(task.steps.map((s) => s.state)).toEqual(['failed', 'pending']);
    expect(ran).toBe(false);
  });

  it('dry run and refusal records change nothing and say so', () => {
    expect(dryRunTask({ kind: 'pause', cluster: 'default/x', title: 'pause x', steps: [{ name: 'a', run: async () => {} }] })).toMatchObject({ state: 'done', dryRun: true, result: 'dry run: would pause x; nothing changed' });
    expect(refusedTask({ kind: 'pause', cluster: 'default/x', title: 'pause x' }, 'read-only')).toMatchObject({ state: 'refused', result: 'read-only', steps: [] });
  });
});
