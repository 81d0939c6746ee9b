// The task keys of the console: a modal (picker, confirmation) above the
// views, effects handed to the services through ConsoleActions, and the
// terminal handed to psql with Ink suspended (the store and feeds keep running).
import { useApp } from 'ink';
import { useRef, useState } from 'react';
import type { TaskRequest } from '../services/tasks/prepare.ts';
import type { ZpgStore } from '../store/store.ts';
import { actionFor, type KeyFocus, type TaskAction, type ViewName } from './keymap.ts';
import { modalKey, openTask, type Modal, type TaskEffect, type TaskTarget } from './task-ui.ts';

export interface TaskActions {
  runTask?(request: TaskRequest, namespace: string): void;
  shell?(namespace: string, pod: string, command: string[]): Promise<number>;
  readOnly?: boolean;
}

const TASK_ACTIONS = new Set<string>(['switchover', 'failover', 'restart', 'reinit', 'recreate', 'pause', 'psql', 'patronictl', 'tasks']);

export function useTaskKeys(store: ZpgStore, actions: TaskActions) {
  const { suspendTerminal } = useApp();
  const [modal, setModal] = useState<Modal | undefined>();
  const [paneShown, setPaneShown] = useState(false);
  const current = useRef<Modal | undefined>(undefined);
  const set = (m: Modal | undefined) => {
    current.current = m;
    setModal(m);
  };
  const dispatch = (e: TaskEffect) => {
    const say = store.getState().say;
    if (e.type === 'error') return say('error', e.text);
    if (e.type === 'task') {
      if (!actions.runTask) return say('error', 'tasks are not available in this session');
      setPaneShown(true);
      return actions.runTask(e.request, e.namespace);
    }
    if (!actions.shell) return say('error', 'psql is not available in this session');
    const shell = actions.shell;
    void suspendTerminal(async () => {
      try {
        const code = await shell(e.namespace, e.pod, e.command);
        say(code === 0 ? 'info' : 'error', `${e.label ?? e.command[0]} in ${e.namespace}/${e.pod} ended with exit code ${code}`);
      } catch (err) {
        say('error', `${e.label ?? e.command[0]} in ${e.namespace}/${e.pod}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  };
  /** true when the key was a task key (or went to the open modal) */
  const handle = (name: string, view: ViewName, focus: KeyFocus | undefined, target: () => TaskTarget): boolean => {
    if (current.current) {
      const r = modalKey(current.current, name);
      set(r.modal);
      if (r.effect) dispatch(r.effect);
      return true;
    }
    const action = actionFor(view, name, focus);
    if (!action || !TASK_ACTIONS.has(action)) return false;
    if (action === 'tasks') {
      setPaneShown((v) => !v);
      return true;
    }
    const r = openTask(action as TaskAction, target(), actions.readOnly === true);
    set(r.modal);
    if (r.effect) dispatch(r.effect);
    return true;
  };
  return { modal, paneShown, handle };
}
