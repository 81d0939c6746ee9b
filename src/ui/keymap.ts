// The one table of keys. Input handling, the `?` help screen and the hints
// line are all generated from it, so a key cannot work without being
// documented, nor be documented without working.

export type ViewName = 'clusters' | 'cluster' | 'log' | 'help';
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
  | 'follow'
  | 'back'
  | 'filter'
  | 'command'
  | 'help'
  | 'sort'
  | 'quit';

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
}

const ALL: ViewName[] = ['clusters', 'cluster', 'log', 'help'];
const MOVING: ViewName[] = ['clusters', 'cluster', 'log', 'help'];

export const KEYMAP: KeyBinding[] = [
  { action: 'up', keys: ['k', 'up'], label: '↑/k', help: 'move or scroll up', views: MOVING },
  { action: 'down', keys: ['j', 'down'], label: '↓/j', help: 'move or scroll down', views: MOVING },
  { action: 'pageUp', keys: ['pageUp'], label: 'pgup', help: 'one page up', views: MOVING },
  { action: 'pageDown', keys: ['pageDown'], label: 'pgdn', help: 'one page down', views: MOVING },
  { action: 'top', keys: ['g', 'home'], label: 'g', help: 'go to the top', views: MOVING },
  { action: 'bottom', keys: ['G', 'end'], label: 'G', help: 'go to the bottom (a log follows again)', short: 'end', views: MOVING, hint: false },
  { action: 'open', keys: ['return', 'l'], label: 'enter', help: 'open the selected cluster', short: 'open', views: ['clusters'], hint: true },
  { action: 'logs', keys: ['return', 'l'], label: 'enter', help: "the selected member's log", short: 'log', views: ['cluster'], hint: true },
  { action: 'pane', keys: ['tab'], label: 'tab', help: 'switch the keys between members and the pane', short: 'pane', views: ['cluster'], hint: true },
  { action: 'events', keys: ['e'], label: 'e', help: 'show recent events in the pane', short: 'events', views: ['cluster'], hint: true },
  { action: 'manifest', keys: ['y'], label: 'y', help: 'show the manifest as YAML in the pane', short: 'yaml', views: ['cluster'], hint: true },
  { action: 'follow', keys: ['f'], label: 'f', help: 'follow the log, or hold it where it is', short: 'follow', views: ['log'], hint: true },
  { action: 'back', keys: ['escape', 'h'], label: 'esc', help: 'go back', short: 'back', views: ['cluster', 'log', 'help'], hint: true },
  { action: 'filter', keys: ['/'], label: '/', help: 'filter by name', short: 'filter', views: ['clusters'], hint: true },
  { action: 'sort', keys: ['s'], label: 's', help: 'cycle the sort column', short: 'sort', views: ['clusters'], hint: true },
  { action: 'command', keys: [':'], label: ':', help: 'command (:pg, :ns NAME, :ns all, :q)', short: 'cmd', views: ALL, hint: true },
  { action: 'help', keys: ['?'], label: '?', help: 'help', views: ['clusters', 'cluster', 'log'], hint: true },
  { action: 'quit', keys: ['q'], label: 'q', help: 'quit', views: ALL, hint: true },
];

/** The action a key means in a view, or undefined. `key` is a printable character or a special-key name. */
export function actionFor(view: ViewName, key: string): Action | undefined {
  return KEYMAP.find((b) => b.views.includes(view) && b.keys.includes(key))?.action;
}

export function hintsFor(view: ViewName): string {
  return KEYMAP.filter((b) => b.hint && b.views.includes(view))
    .map((b) => `${b.label} ${b.short ?? b.help}`)
    .join('  ');
}

const KEY_WORDS: Record<string, string> = { up: '↑', down: '↓', return: 'enter', escape: 'esc', pageUp: 'pgup', pageDown: 'pgdn', tab: 'tab', home: 'home', end: 'end', ' ': 'space' };

export function helpLines(): { keys: string; help: string; views: string }[] {
  return KEYMAP.map((b) => ({
    keys: b.keys.map((k) => KEY_WORDS[k] ?? k).join(' '),
    help: b.help,
    views: b.views.length === ALL.length ? 'everywhere' : b.views.join(','),
  }));
}
