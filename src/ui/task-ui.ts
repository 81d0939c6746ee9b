// The console's side of day-2 tasks, as a pure reducer: a task key opens the
// candidate picker (switchover, failover) or the confirmation; the
// confirmation names the target by namespace/name and, for a destructive
// task, wants the cluster's name typed; enter on a good answer yields the
// effect that a service runs. No I/O here.
import type { ClusterRow } from '../services/clusters/summary.ts';
import type { ClusterMember } from '../services/patroni/types.ts';
import { isLeaderRole } from '../services/patroni/types.ts';
import type { TaskRequest } from '../services/tasks/prepare.ts';
import { inPodPsql } from '../services/tasks/shell-session.ts';
import type { TaskAction } from './keymap.ts';
import { compareNames } from '../services/clusters/member-order.ts';

export interface Candidate {
  name: string;
  state: string;
  lagBytes?: number | null;
  tags: string;
  /** nofailover, or not running: shown, but not pickable */
  blocked?: string;
}

export type Modal =
  | { kind: 'pick'; task: 'switchover' | 'failover'; cluster: string; leader?: string; candidates: Candidate[]; cursor: number }
  | { kind: 'confirm'; request: TaskRequest; namespace: string; title: string; destructive: boolean; typed: string };

export type TaskEffect =
  | { type: 'task'; request: TaskRequest; namespace: string }
  | { type: 'shell'; namespace: string; pod: string; command: string[]; /** what the status line calls it (default: the command) */ label?: string }
  | { type: 'error'; text: string };

/** What a task key acts on: the open cluster's row, its Patroni members, the member under the cursor. */
export interface TaskTarget {
  row?: ClusterRow;
  members?: ClusterMember[];
  /** namespace/name of the member under the cursor */
  member?: string;
  paused?: boolean;
}

const RUNNING = new Set(['running', 'streaming']);

/**
 * patronictl has no prompt of its own, and its output would vanish when the console redraws: a
 * small loop in the pod shows `list`, then runs each line typed as patronictl's arguments (its
 * own confirmations work: the terminal is the user's) until an empty line or ^D.
 */
export const PATRONICTL_SESSION = [
  'sh',
  '-c',
  'patronictl list; while printf "patronictl> "; read -r args && [ -n "$args" ]; do eval "patronictl $args"; done; echo',
];

export function candidatesOf(members: ClusterMember[] | undefined, row: ClusterRow): Candidate[] {
  const source = members?.length ? members : row.members.map((m) => ({ name: m.name, role: m.role, state: m.state, lagBytes: m.lagBytes, pendingRestart: m.pendingRestart }) as ClusterMember);
  return source
    .filter((m) => !isLeaderRole(m.role))
    .map((m) => {
      const tags = Object.entries(m.tags ?? {}).map(([k, v]) => (v === true ? k : `${k}=${String(v)}`)).join(',');
      const blocked = m.tags?.nofailover === true ? 'nofailover' : RUNNING.has(m.state) ? undefined : m.state;
      return { name: m.name, state: m.state, lagBytes: m.lagBytes, tags, ...(blocked ? { blocked } : {}) };
    })
    .sort((a, b) => Number(Boolean(a.blocked)) - Number(Boolean(b.blocked)) || (a.lagBytes ?? 0) - (b.lagBytes ?? 0) || compareNames(a.name, b.name));
}

function confirm(request: TaskRequest, namespace: string, title: string, destructive: boolean): Modal {
  return { kind: 'confirm', request, namespace, title, destructive, typed: '' };
}

/** A task key on the cluster view: a modal to open, or an effect at once (pause, psql), or why not. */
export function openTask(action: TaskAction, t: TaskTarget, readOnly: boolean): { modal?: Modal; effect?: TaskEffect } {
  if (action === 'tasks') return {};
  if (readOnly) return { effect: { type: 'error', text: `read-only session (--read-only): ${action} is disabled` } };
  const row = t.row;
  if (!row) return { effect: { type: 'error', text: 'no cluster open' } };
  const { namespace, name } = row;
  const member = t.member?.split('/')[1];
  const leader = row.leader;
  switch (action) {
    case 'switchover':
    case 'failover': {
      const candidates = candidatesOf(t.members, row);
      if (!candidates.length) return { effect: { type: 'error', text: `${namespace}/${name} has no replica to ${action} to` } };
      return { modal: { kind: 'pick', task: action, cluster: `${namespace}/${name}`, leader, candidates, cursor: 0 } };
    }
    case 'pause':
      return { effect: { type: 'task', request: { kind: t.paused ? 'resume' : 'pause', cluster: name }, namespace } };
    case 'psql':
      if (!member) return { effect: { type: 'error', text: 'no member selected' } };
      return { effect: { type: 'shell', namespace, pod: member, command: inPodPsql(['-U', 'postgres']), label: 'psql' } };
    case 'patronictl':
      if (!member) return { effect: { type: 'error', text: 'no member selected' } };
      return { effect: { type: 'shell', namespace, pod: member, command: PATRONICTL_SESSION, label: 'patronictl' } };
    case 'restart': {
      if (!member) return { effect: { type: 'error', text: 'no member selected' } };
      const isLeader = member === leader;
      return { modal: confirm({ kind: 'restart', cluster: name, member }, namespace, `restart PostgreSQL on ${namespace}/${member}${isLeader ? ' (the leader: writes stop until it is back)' : ''}`, isLeader) };
    }
    case 'reinit':
    case 'recreate': {
      if (!member) return { effect: { type: 'error', text: 'no member selected' } };
      if (member === leader) return { effect: { type: 'error', text: `${namespace}/${member} leads ${name}: switch over first (S)` } };
      const request: TaskRequest = action === 'reinit' ? { kind: 'reinit', cluster: name, member } : { kind: 'recreate-member', cluster: name, member };
      const what = action === 'reinit' ? `reinitialise ${namespace}/${member}: its data directory is wiped and copied from ${leader ?? 'the leader'}` : `recreate ${namespace}/${member}: its PVC and pod are deleted, a new one is cloned from ${leader ?? 'the leader'}`;
      return { modal: confirm(request, namespace, what, true) };
    }
  }
}

/** One key while a modal is open. */
export function modalKey(m: Modal, key: string): { modal?: Modal; effect?: TaskEffect } {
  if (key === 'escape') return {};
  if (m.kind === 'pick') {
    if (key === 'up' || key === 'k') return { modal: { ...m, cursor: Math.max(0, m.cursor - 1) } };
    if (key === 'down' || key === 'j') return { modal: { ...m, cursor: Math.min(m.candidates.length - 1, m.cursor + 1) } };
    if (key !== 'return') return { modal: m };
    const c = m.candidates[m.cursor];
    if (!c) return { modal: m };
    if (c.blocked) return { modal: m, effect: { type: 'error', text: `${c.name} cannot take over (${c.blocked})` } };
    const [namespace, name] = m.cluster.split('/');
    const request: TaskRequest = m.task === 'switchover' ? { kind: 'switchover', cluster: name, candidate: c.name } : { kind: 'failover', cluster: name, candidate: c.name };
    const title = m.task === 'switchover' ? `switch over ${m.cluster} from ${m.leader ?? 'the leader'} to ${namespace}/${c.name}` : `fail over ${m.cluster} to ${namespace}/${c.name}${m.leader ? ` (${m.leader} stops leading at once)` : ''}`;
    return { modal: confirm(request, namespace, title, m.task === 'failover') };
  }
  if (!m.destructive) {
    if (key === 'y' || key === 'return') return { effect: { type: 'task', request: m.request, namespace: m.namespace } };
    if (key === 'n') return {};
    return { modal: m };
  }
  if (key === 'return') {
    if (m.typed === m.request.cluster) return { effect: { type: 'task', request: m.request, namespace: m.namespace } };
    return { modal: { ...m, typed: '' }, effect: { type: 'error', text: `"${m.typed}" is not ${m.request.cluster}; type the cluster's name, or esc` } };
  }
  if (key === 'backspace') return { modal: { ...m, typed: m.typed.slice(0, -1) } };
  if (key.length === 1) return { modal: { ...m, typed: m.typed + key } };
  return { modal: m };
}

/** The hints line while a task dialog has the keys: its own keys, not the view's underneath. */
export function modalHints(m: Modal): string {
  if (m.kind === 'pick') return '↑↓ choose  enter pick  esc cancel';
  return m.destructive ? 'type the name  enter confirm  esc cancel' : 'y/enter go on  n/esc cancel';
}
