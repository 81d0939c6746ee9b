// The one table of keys. Input handling, the `?` help screen and the hints
// line are all generated from it, so a key cannot work without being
// documented, nor be documented without working.

/** backups: the browser (B), a screen over the list or the detail (src/ui/views/backups-keys.ts); one cluster's backups (b) take the cluster view's keys */
export type ViewName = 'clusters' | 'cluster' | 'log' | 'help' | 'backups';
export type Action =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'open'
  | 'logs'
  | 'pane'
  | 'events'
  | 'manifest'
  | 'history'
  | 'replication'
  | 'follow'
  | 'back'
  | 'filter'
  | 'command'
  | 'help'
  | 'sort'
  | 'quit'
  | 'wrap'
  | 'search'
  | 'nextMatch'
  | 'previousMatch'
  | 'previousContainer'
  | 'describe'
  | TaskAction
  | BackupsAction;

/** Backups: the screens (b, B) and the modals on a cluster's backups (L, D, C); src/ui/views/backups-keys.ts acts on them. */
export type BackupsAction = 'backups' | 'backupBrowser' | 'logicalBackup' | 'logicalRestore' | 'clone';

/** Day-2 actions on the open cluster and its selected member (src/ui/task-ui.ts turns them into tasks). */
export type TaskAction = 'switchover' | 'failover' | 'restart' | 'reinit' | 'recreate' | 'pause' | 'psql' | 'patronictl' | 'tasks';

/**
 * What a task key does: `run task` starts it at once; `confirm` asks first (a picker for the
 * candidate, then y, or the cluster's name typed for a destructive one); `hand over` gives the
 * terminal to a session in the pod (psql) and takes it back afterwards.
 */
export type KeyEffect = 'run task' | 'confirm' | 'hand over';

export interface KeyBinding {
  action: Action;
  /** printable characters, or names of special keys: up, down, return, escape, tab, pageUp, pageDown, home, end */
  keys: string[];
  /** shown in the hints line and the help screen */
  label: string;
  help: string;
  /** the hints line's word for it, short enough for 80 columns */
  short?: string;
  views: ViewName[];
  /** shown in the hints line (the help screen lists everything) */
  hint?: boolean;
  /** for task keys: how the key acts (see KeyEffect) */
  effect?: KeyEffect;
  /** changes a cluster: hidden and refused under --read-only */
  mutating?: boolean;
  /** in the cluster view, only while the members (or the pane) have the keys; unset = either */
  focus?: KeyFocus;
}

/** what has the keys in the cluster view: the members table or the events/manifest pane */
export type KeyFocus = 'members' | 'pane';

const ALL: ViewName[] = ['clusters', 'cluster', 'log', 'help', 'backups'];
const MOVING: ViewName[] = ['clusters', 'cluster', 'log', 'help', 'backups'];

export const KEYMAP: KeyBinding[] = [
  { action: 'up', keys: ['k', 'up'], label: '↑/k', help: 'move or scroll up', views: MOVING },
  { action: 'down', keys: ['j', 'down'], label: '↓/j', help: 'move or scroll down', views: MOVING },
  { action: 'pageUp', keys: ['pageUp'], label: 'pgup', help: 'one page up', views: MOVING },
  { action: 'pageDown', keys: ['pageDown'], label: 'pgdn', help: 'one page down', views: MOVING },
  { action: 'top', keys: ['g', 'home'], label: 'g', help: 'go to the top', views: MOVING },
  { action: 'bottom', keys: ['G', 'end'], label: 'G', help: 'go to the bottom (a log follows again)', short: 'end', views: MOVING, hint: false },
  { action: 'open', keys: ['return', 'l'], label: 'enter', help: 'open the selected cluster', short: 'open', views: ['clusters'], hint: true },
  { action: 'logs', keys: ['return', 'l'], label: 'enter', help: "the selected member's log", short: 'log', views: ['cluster'], hint: true, focus: 'members' },
  { action: 'pane', keys: ['tab'], label: 'tab', help: 'switch the keys between members and the pane', short: 'pane', views: ['cluster'], hint: true, focus: 'members' },
  { action: 'pane', keys: ['tab'], label: 'tab', help: 'give the keys back to the members', short: 'members', views: ['cluster'], hint: true, focus: 'pane' },
  { action: 'events', keys: ['e'], label: 'e', help: 'show recent events in the pane', short: 'events', views: ['cluster'], hint: true },
  { action: 'manifest', keys: ['y'], label: 'y', help: 'show the manifest as YAML in the pane', short: 'yaml', views: ['cluster'], hint: true },
  // Not in the hints line: the pane's title shows these tabs with their keys.
  { action: 'history', keys: ['h'], label: 'h', help: "Patroni's timeline history in the pane: LSN, reason, time, new leader", short: 'history', views: ['cluster'] },
  { action: 'replication', keys: ['r'], label: 'r', help: 'replication in the pane: bytes and seconds behind per standby, receiver verdicts, slots', short: 'repl', views: ['cluster'] },
  { action: 'follow', keys: ['f'], label: 'f', help: 'follow the log, or hold it where it is', short: 'follow', views: ['log'], hint: true },
  { action: 'search', keys: ['/'], label: '/', help: 'search the log (case-insensitive; empty clears)', short: 'search', views: ['log'], hint: true },
  { action: 'nextMatch', keys: ['n'], label: 'n', help: 'next match, further down the log', short: 'next', views: ['log'], hint: true },
  { action: 'previousMatch', keys: ['N'], label: 'N', help: 'previous match, further up the log', views: ['log'] },
  { action: 'wrap', keys: ['w'], label: 'w', help: 'wrap long log lines, or cut them at the edge', short: 'wrap', views: ['log'], hint: true },
  { action: 'previousContainer', keys: ['p'], label: 'p', help: "the previous container's log (after a crash), or the current one again", short: 'prev', views: ['log'], hint: true },
  { action: 'describe', keys: ['d'], label: 'd', help: 'what is wrong, in full: health reasons, conditions, the status line', short: 'why', views: ['clusters', 'cluster'], hint: true },
  // In the cluster view h is the history pane: esc alone goes back there.
  { action: 'back', keys: ['escape'], label: 'esc', help: 'go back to the clusters', short: 'back', views: ['cluster'], hint: true },
  { action: 'back', keys: ['escape', 'h'], label: 'esc', help: 'go back', short: 'back', views: ['log', 'help'], hint: true },
  { action: 'filter', keys: ['/'], label: '/', help: 'filter by name', short: 'filter', views: ['clusters'], hint: true },
  { action: 'sort', keys: ['s'], label: 's', help: 'cycle the sort column (name, namespace, health, lag, backup)', short: 'sort', views: ['clusters'], hint: true },
  { action: 'command', keys: [':'], label: ':', help: 'command (:pg, :ns NAME, :ns all, :q)', short: 'cmd', views: ALL, hint: true },
  { action: 'help', keys: ['?'], label: '?', help: 'help', views: ['clusters', 'cluster', 'log'], hint: true },
  { action: 'quit', keys: ['q'], label: 'q', help: 'quit', views: ALL, hint: true },
  { action: 'switchover', keys: ['S'], label: 'S', help: 'switch over: pick the replica to lead, confirm', views: ['cluster'], focus: 'members', effect: 'confirm', mutating: true },
  { action: 'failover', keys: ['F'], label: 'F', help: 'fail over to a replica you pick (type the name)', views: ['cluster'], focus: 'members', effect: 'confirm', mutating: true },
  { action: 'restart', keys: ['R'], label: 'R', help: 'restart the selected member (the leader: type the name)', views: ['cluster'], focus: 'members', effect: 'confirm', mutating: true },
  { action: 'reinit', keys: ['I'], label: 'I', help: 'reinitialise the selected replica (type the name)', views: ['cluster'], focus: 'members', effect: 'confirm', mutating: true },
  { action: 'recreate', keys: ['X'], label: 'X', help: 'recreate the selected replica on a new volume (type the name)', views: ['cluster'], focus: 'members', effect: 'confirm', mutating: true },
  { action: 'pause', keys: ['P'], label: 'P', help: "pause or resume Patroni's management (maintenance mode)", views: ['cluster'], focus: 'members', effect: 'run task', mutating: true },
  { action: 'psql', keys: ['p'], label: 'p', help: 'psql in the selected member (the terminal comes back on exit)', views: ['cluster'], focus: 'members', effect: 'hand over', mutating: true },
  { action: 'patronictl', keys: ['c'], label: 'c', help: 'patronictl in the selected member: list, then a patronictl> prompt (empty line returns)', views: ['cluster'], focus: 'members', effect: 'hand over', mutating: true },
  { action: 'tasks', keys: ['t'], label: 't', help: "show or hide the last task's steps", views: ['clusters', 'cluster', 'log'] },
  // C, D, L are in the hints line of the backups screens only (backups-keys.ts): the cluster view's line is full.
  { action: 'backups', keys: ['b'], label: 'b', help: "the open cluster's backups: window, gaps, base and logical backups, overdue ones (↑/↓ pick one for C or D; esc or b: back)", short: 'backups', views: ['cluster'] },
  { action: 'backupBrowser', keys: ['B'], label: 'B', help: 'browse the backups of every cluster in the bucket, deleted ones (by uid) too', short: 'backups', views: ['clusters', 'cluster'] },
  { action: 'back', keys: ['escape', 'B'], label: 'esc', help: 'close the backups browser', short: 'back', views: ['backups'], hint: true },
  { action: 'clone', keys: ['return', 'C'], label: 'enter', help: 'clone the selected cluster from a backup or a time in its window: preview, then apply', short: 'clone', views: ['backups'], effect: 'confirm', mutating: true },
  { action: 'clone', keys: ['C'], label: 'C', help: 'clone this cluster from a backup or a time in its window, or copy it as it runs: preview the manifest, then apply', short: 'clone', views: ['cluster'], effect: 'confirm', mutating: true },
  { action: 'logicalRestore', keys: ['D'], label: 'D', help: 'restore a logical backup: pick the backup, database, target cluster, new name', short: 'restore', views: ['cluster', 'backups'], effect: 'confirm', mutating: true },
  { action: 'logicalBackup', keys: ['L'], label: 'L', help: 'take a logical backup now (y to confirm)', short: 'dump now', views: ['cluster', 'backups'], effect: 'confirm', mutating: true },
];

/** Keys that work in this session: under --read-only the mutating ones are gone. */
export const usableBindings = (readOnly: boolean) => KEYMAP.filter((b) => !(readOnly && b.mutating));


const active = (b: KeyBinding, view: ViewName, focus: KeyFocus | undefined) => b.views.includes(view) && (!b.focus || view !== 'cluster' || b.focus === (focus ?? 'members'));

/** The action a key means in a view (and, in the cluster view, for what has the keys), or undefined. `key` is a printable character or a special-key name. */
export function actionFor(view: ViewName, key: string, focus?: KeyFocus): Action | undefined {
  return KEYMAP.find((b) => active(b, view, focus) && b.keys.includes(key))?.action;
}

/** The hints line: only keys that do something where the keys are now. */
export function hintsFor(view: ViewName, focus?: KeyFocus): string {
  return KEYMAP.filter((b) => b.hint && active(b, view, focus))
    .map((b) => `${b.label} ${b.short ?? b.help}`)
    .join('  ');
}

const KEY_WORDS: Record<string, string> = { up: '↑', down: '↓', return: 'enter', escape: 'esc', pageUp: 'pgup', pageDown: 'pgdn', tab: 'tab', home: 'home', end: 'end', ' ': 'space' };

export function helpLines(readOnly = false): { keys: string; help: string; views: string }[] {
  return usableBindings(readOnly).map((b) => ({
    keys: b.keys.map((k) => KEY_WORDS[k] ?? k).join(' '),
    help: b.help,
    views: (b.views.length === ALL.length ? 'everywhere' : b.views.join(', ')) + (b.focus ? ` (${b.focus})` : ''),
  }));
}
