// The console's own state (which view, which row, what is typed, where each
// pane is scrolled) as a pure reducer over key names: every key sequence is
// testable without a terminal.
import { actionFor, type Action, type ViewName } from './keymap.ts';

export type SortKey = 'name' | 'namespace' | 'status' | 'lag' | 'backup';
export const SORT_KEYS: SortKey[] = ['name', 'namespace', 'status', 'lag', 'backup'];

export type Pane = 'events' | 'manifest' | 'history' | 'replication';

export interface UiState {
  view: ViewName;
  previous: ViewName;
  /** the row under the cursor in the clusters list */
  cursor: number;
  /** the cluster under the cursor (namespace/name): the cursor follows it when rows come, go or re-sort */
  selected?: string;
  /** the cluster open in the detail view, as namespace/name */
  open?: string;
  /** the member under the cursor in the detail view */
  member: number;
  /** that member's pod (namespace/name): the member cursor follows it the same way */
  selectedMember?: string;
  /** what the detail view's lower pane shows, whether it has the keys, and its scroll offset */
  pane: Pane;
  paneFocus: boolean;
  paneTop: number;
  /** the pod whose log is open, as namespace/name */
  log?: string;
  /** absolute number of the log's first visible line; undefined = following the end */
  logTop?: number;
  helpTop: number;
  /** long log lines wrap (the default) or are cut at the edge */
  logWrap: boolean;
  /** what the log is searched for (case-insensitive); '' = no search */
  logSearch: string;
  /** the previous container's log (kubectl logs --previous) instead of the running one */
  logPrevious: boolean;
  /** the full text of what is wrong, over the view (d) */
  why: boolean;
  mode: 'normal' | 'filter' | 'command' | 'search';
  buffer: string;
  filter: string;
  sort: SortKey;
}

export type Effect = { type: 'quit' } | { type: 'namespace'; namespace: string | undefined } | { type: 'error'; text: string };

export const initialUi: UiState = {
  view: 'clusters',
  previous: 'clusters',
  cursor: 0,
  member: 0,
  pane: 'events',
  paneFocus: false,
  paneTop: 0,
  helpTop: 0,
  logWrap: true,
  logSearch: '',
  logPrevious: false,
  why: false,
  mode: 'normal',
  buffer: '',
  filter: '',
  sort: 'name',
};

/** What the keys move over, as the screen currently shows it. */
export interface KeyContext {
  /** rows in the clusters list */
  rows: number;
  /** namespace/name of every row in the list, in screen order */
  rowKeys?: string[];
  /** namespace/name of the cluster under the cursor */
  selected?: string;
  /** visible rows of whatever list or pane has the keys */
  page?: number;
  /** members of the open cluster, and the pod key of each */
  members?: string[];
  /** lines in the detail view's lower pane */
  paneLines?: number;
  /** the log ring: absolute number of its first line, and how many it holds */
  logFirst?: number;
  logCount?: number;
  /** the log's lines (for search), and the first line of its last page as drawn (wrapped lines take several rows) */
  logLines?: readonly string[];
  logBottom?: number;
  helpLines?: number;
  /** the sort columns on screen (BACKUP only with a backups feed); all of SORT_KEYS without it */
  sorts?: SortKey[];
}

type Result = { state: UiState; effect?: Effect };

/** the sort after `now` among those on screen */
const nextSort = (now: SortKey, sorts: SortKey[]): SortKey => sorts[(sorts.indexOf(now) + 1) % sorts.length] ?? 'name';

const clampTo = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(n, Math.max(lo, hi)));

/** Applies one key; returns the new state and what the app must do outside the UI. */
export function reduce(s: UiState, key: string, ctx: KeyContext): Result {
  if (s.mode !== 'normal') return typing(s, key, ctx);
  if (s.why && (key === 'escape' || key === 'd' || key === 'q')) return { state: { ...s, why: false } };
  const action = actionFor(s.view, key, s.paneFocus ? 'pane' : 'members');
  if (!action) return { state: s };
  const moved = move(s, action, ctx);
  if (moved) return { state: { ...moved, selected: ctx.rowKeys?.[moved.cursor] ?? moved.selected, selectedMember: ctx.members?.[moved.member] ?? moved.selectedMember } };
  switch (action) {
    case 'open':
      return ctx.selected ? { state: { ...s, view: 'cluster', previous: s.view, open: ctx.selected, selected: ctx.selected, member: 0, selectedMember: undefined, paneTop: 0, paneFocus: false } } : { state: s };
    case 'logs': {
      const pod = ctx.members?.[s.member];
      if (s.paneFocus || !pod) return { state: s };
      return { state: { ...s, view: 'log', previous: s.view, log: pod, logTop: undefined, logSearch: '', logPrevious: false } };
    }
    case 'pane':
      return { state: { ...s, paneFocus: !s.paneFocus } };
    case 'events':
    case 'manifest':
    case 'history':
    case 'replication':
      return { state: { ...s, pane: action, paneFocus: true, paneTop: s.pane === action ? s.paneTop : 0 } };
    case 'follow':
      return { state: { ...s, logTop: s.logTop === undefined ? logBottom(ctx) : undefined } };
    case 'wrap':
      return { state: { ...s, logWrap: !s.logWrap } };
    case 'search':
      return { state: { ...s, mode: 'search', buffer: '' } };
    case 'nextMatch':
    case 'previousMatch':
      return { state: jump(s, ctx, action === 'nextMatch' ? 1 : -1) };
    case 'previousContainer':
      return { state: { ...s, logPrevious: !s.logPrevious, logTop: undefined } };
    case 'describe':
      return { state: { ...s, why: !s.why } };
    case 'back':
      if (s.view === 'help') return { state: { ...s, view: s.previous, helpTop: 0 } };
      if (s.view === 'log') return { state: { ...s, view: 'cluster', log: undefined, logTop: undefined, logSearch: '', logPrevious: false } };
      return { state: { ...s, view: 'clusters', open: undefined, paneFocus: false } };
    case 'filter':
      return { state: { ...s, mode: 'filter', buffer: s.filter } };
    case 'command':
      return { state: { ...s, mode: 'command', buffer: '' } };
    case 'help':
      return { state: { ...s, view: 'help', previous: s.view, helpTop: 0 } };
    case 'sort':
      return { state: { ...s, sort: nextSort(s.sort, ctx.sorts ?? SORT_KEYS) } };
    case 'quit':
      return { state: s, effect: { type: 'quit' } };
    default:
      return { state: s };
  }
}

/**
 * Puts the cursors back on what they were on: the selected cluster and member
 * by name wherever the rows now put them; when one is gone, the same index,
 * kept within the rows (and that row becomes the selection).
 */
export function follow(s: UiState, rowKeys: readonly string[] | undefined, memberKeys: readonly string[] | undefined): UiState {
  let next = s;
  if (rowKeys && rowKeys.length > 0) {
    const at = s.selected === undefined ? -1 : rowKeys.indexOf(s.selected);
    const cursor = at >= 0 ? at : clampTo(s.cursor, 0, rowKeys.length - 1);
    if (cursor !== s.cursor || rowKeys[cursor] !== s.selected) next = { ...next, cursor, selected: rowKeys[cursor] };
  }
  if (memberKeys && memberKeys.length > 0) {
    const at = s.selectedMember === undefined ? -1 : memberKeys.indexOf(s.selectedMember);
    const member = at >= 0 ? at : clampTo(s.member, 0, memberKeys.length - 1);
    if (member !== s.member || memberKeys[member] !== s.selectedMember) next = { ...next, member, selectedMember: memberKeys[member] };
  }
  return next;
}

const STEP: Partial<Record<Action, (page: number) => number>> = {
  up: () => -1,
  down: () => 1,
  pageUp: (p) => -p,
  pageDown: (p) => p,
  top: () => -Infinity,
  bottom: () => Infinity,
};

/** Cursor and scroll movement, for whatever has the keys in the current view. */
function move(s: UiState, action: Action, ctx: KeyContext): UiState | undefined {
  const step = STEP[action];
  if (!step) return undefined;
  const page = Math.max(1, ctx.page ?? 10);
  const d = step(page);
  const by = (n: number, count: number) => clampTo(Number.isFinite(d) ? n + d : d < 0 ? 0 : count - 1, 0, count - 1);
  switch (s.view) {
    case 'clusters':
      return { ...s, cursor: by(s.cursor, ctx.rows) };
    case 'cluster':
      if (!s.paneFocus) return { ...s, member: by(s.member, ctx.members?.length ?? 0) };
      return { ...s, paneTop: by(s.paneTop, (ctx.paneLines ?? 0) - page + 1) };
    case 'help':
      return { ...s, helpTop: by(s.helpTop, (ctx.helpLines ?? 0) - page + 1) };
    case 'log':
      return { ...s, logTop: scrollLog(s.logTop, d, ctx, page) };
  }
}

/** The first line shown when following: the last page of the ring. */
function logBottom(ctx: KeyContext): number {
  const first = ctx.logFirst ?? 0;
  if (ctx.logBottom !== undefined) return Math.max(first, ctx.logBottom);
  return Math.max(first, first + (ctx.logCount ?? 0) - Math.max(1, ctx.page ?? 10));
}

/** Scrolling up holds the log in place; reaching the end follows it again. */
function scrollLog(top: number | undefined, d: number, ctx: KeyContext, _page: number): number | undefined {
  const first = ctx.logFirst ?? 0;
  const bottom = logBottom(ctx);
  if (d === Infinity) return undefined;
  if (d === -Infinity) return first;
  const next = clampTo((top ?? bottom) + d, first, bottom);
  return next >= bottom && d > 0 ? undefined : next;
}

/** Absolute number of the nearest line matching `term` from `from` in direction `dir` (1 down, -1 up), if any. */
export function findMatch(lines: readonly string[], first: number, from: number, dir: 1 | -1, term: string): number | undefined {
  const t = term.toLowerCase();
  if (!t) return undefined;
  for (let i = from - first; i >= 0 && i < lines.length; i += dir) if (lines[i].toLowerCase().includes(t)) return first + i;
  return undefined;
}

/** n / N: the next match below (or above) the top of the view; the log holds there. */
function jump(s: UiState, ctx: KeyContext, dir: 1 | -1): UiState {
  const top = s.logTop ?? logBottom(ctx);
  const at = findMatch(ctx.logLines ?? [], ctx.logFirst ?? 0, top + dir, dir, s.logSearch);
  return at === undefined ? s : { ...s, logTop: at };
}

function typing(s: UiState, key: string, ctx: KeyContext): Result {
  if (key === 'escape') return { state: { ...s, mode: 'normal', buffer: '', ...(s.mode === 'filter' ? { filter: '' } : {}), ...(s.mode === 'search' ? { logSearch: '' } : {}) } };
  if (key === 'backspace') return { state: { ...s, buffer: s.buffer.slice(0, -1) } };
  if (key === 'return' && s.mode === 'search') {
    // The first match from the top of the view down, else the last one above it.
    const done = { ...s, mode: 'normal' as const, buffer: '', logSearch: s.buffer };
    if (!s.buffer) return { state: done };
    const top = s.logTop ?? logBottom(ctx);
    const lines = ctx.logLines ?? [];
    const at = findMatch(lines, ctx.logFirst ?? 0, top, 1, s.buffer) ?? findMatch(lines, ctx.logFirst ?? 0, top - 1, -1, s.buffer);
    if (at === undefined) return { state: done, effect: { type: 'error', text: `"${s.buffer}" is not in the log` } };
    return { state: { ...done, logTop: at } };
  }
  if (key === 'return') {
    const done = { ...s, mode: 'normal' as const, buffer: '' };
    // The cursor stays on its cluster when the filter keeps it.
    if (s.mode === 'filter') return { state: { ...done, filter: s.buffer } };
    return command(done, s.buffer.trim());
  }
  if (key.length === 1) return { state: { ...s, buffer: s.buffer + key } };
  return { state: s };
}

/** k9s-style commands. */
function command(s: UiState, text: string): Result {
  const [verb, arg] = text.split(/\s+/);
  if (verb === 'q' || verb === 'quit') return { state: s, effect: { type: 'quit' } };
  if (verb === 'pg' || verb === 'postgresql' || verb === 'clusters') return { state: { ...s, view: 'clusters', open: undefined, log: undefined, cursor: 0, selected: undefined } };
  if (verb === 'ns' || verb === 'namespace') {
    if (!arg) return { state: s, effect: { type: 'error', text: ':ns needs a namespace name, or "all"' } };
    return { state: { ...s, view: 'clusters', open: undefined, log: undefined, cursor: 0, selected: undefined }, effect: { type: 'namespace', namespace: arg === 'all' ? undefined : arg } };
  }
  return { state: s, effect: { type: 'error', text: `unknown command ":${text}"; try :pg, :ns NAME, :ns all, :q` } };
}
