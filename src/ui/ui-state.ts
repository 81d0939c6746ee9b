// The console's own state (which view, which row, what is typed) as a pure
// reducer over key names: every key sequence is testable without a terminal.
import { actionFor, type ViewName } from './keymap.ts';

export type SortKey = 'name' | 'namespace' | 'status' | 'lag';
export const SORT_KEYS: SortKey[] = ['name', 'namespace', 'status', 'lag'];

export interface UiState {
  view: ViewName;
  previous: ViewName;
  cursor: number;
  /** the cluster open in the detail view, as namespace/name */
  open?: string;
  mode: 'normal' | 'filter' | 'command';
  buffer: string;
  filter: string;
  sort: SortKey;
}

export type Effect = { type: 'quit' } | { type: 'namespace'; namespace: string | undefined } | { type: 'error'; text: string };

export const initialUi: UiState = { view: 'clusters', previous: 'clusters', cursor: 0, mode: 'normal', buffer: '', filter: '', sort: 'name' };

export interface KeyContext {
  /** rows in the current list, for cursor bounds */
  rows: number;
  /** namespace/name of the row under the cursor */
  selected?: string;
}

/** Applies one key; returns the new state and what the app must do outside the UI. */
export function reduce(s: UiState, key: string, ctx: KeyContext): { state: UiState; effect?: Effect } {
  if (s.mode !== 'normal') return typing(s, key);
  const action = actionFor(s.view, key);
  const clamp = (n: number) => Math.max(0, Math.min(n, Math.max(0, ctx.rows - 1)));
  switch (action) {
    case 'up':
      return { state: { ...s, cursor: clamp(s.cursor - 1) } };
    case 'down':
      return { state: { ...s, cursor: clamp(s.cursor + 1) } };
    case 'top':
      return { state: { ...s, cursor: 0 } };
    case 'bottom':
      return { state: { ...s, cursor: clamp(ctx.rows - 1) } };
    case 'open':
      return ctx.selected ? { state: { ...s, view: 'cluster', previous: s.view, open: ctx.selected, cursor: 0 } } : { state: s };
    case 'back':
      return { state: { ...s, view: s.view === 'help' ? s.previous : 'clusters', cursor: 0 } };
    case 'filter':
      return { state: { ...s, mode: 'filter', buffer: s.filter } };
    case 'command':
      return { state: { ...s, mode: 'command', buffer: '' } };
    case 'help':
      return { state: { ...s, view: 'help', previous: s.view } };
    case 'sort':
      return { state: { ...s, sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length] } };
    case 'quit':
      return { state: s, effect: { type: 'quit' } };
    default:
      return { state: s };
  }
}

function typing(s: UiState, key: string): { state: UiState; effect?: Effect } {
  if (key === 'escape') return { state: { ...s, mode: 'normal', buffer: '', ...(s.mode === 'filter' ? { filter: '' } : {}) } };
  if (key === 'backspace') return { state: { ...s, buffer: s.buffer.slice(0, -1) } };
  if (key === 'return') {
    const done = { ...s, mode: 'normal' as const, buffer: '' };
    if (s.mode === 'filter') return { state: { ...done, filter: s.buffer, cursor: 0 } };
    return command(done, s.buffer.trim());
  }
  if (key.length === 1) return { state: { ...s, buffer: s.buffer + key } };
  return { state: s };
}

/** k9s-style commands. */
function command(s: UiState, text: string): { state: UiState; effect?: Effect } {
  const [verb, arg] = text.split(/\s+/);
  if (verb === 'q' || verb === 'quit') return { state: s, effect: { type: 'quit' } };
  if (verb === 'pg' || verb === 'postgresql' || verb === 'clusters') return { state: { ...s, view: 'clusters', cursor: 0 } };
  if (verb === 'ns' || verb === 'namespace') {
    if (!arg) return { state: s, effect: { type: 'error', text: ':ns needs a namespace name, or "all"' } };
    return { state: { ...s, view: 'clusters', cursor: 0 }, effect: { type: 'namespace', namespace: arg === 'all' ? undefined : arg } };
  }
  return { state: s, effect: { type: 'error', text: `unknown command ":${text}"; try :pg, :ns NAME, :ns all, :q` } };
}
