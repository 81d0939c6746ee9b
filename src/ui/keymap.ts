// The one table of keys. Input handling, the `?` help screen and the hints
// line are all generated from it, so a key cannot work without being
// documented, nor be documented without working.

export type ViewName = 'clusters' | 'cluster' | 'help';
export type Action = 'up' | 'down' | 'top' | 'bottom' | 'open' | 'back' | 'filter' | 'command' | 'help' | 'sort' | 'quit';

export interface KeyBinding {
  action: Action;
  /** printable characters, or names of special keys: up, down, return, escape, pageUp, pageDown */
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

const ALL: ViewName[] = ['clusters', 'cluster', 'help'];

export const KEYMAP: KeyBinding[] = [
  { action: 'up', keys: ['k', 'up'], label: '↑/k', help: 'move up', views: ['clusters', 'cluster'] },
  { action: 'down', keys: ['j', 'down'], label: '↓/j', help: 'move down', views: ['clusters', 'cluster'] },
  { action: 'top', keys: ['g', 'pageUp'], label: 'g', help: 'go to the top', views: ['clusters', 'cluster'] },
  { action: 'bottom', keys: ['G', 'pageDown'], label: 'G', help: 'go to the bottom', views: ['clusters', 'cluster'] },
  { action: 'open', keys: ['return', 'l'], label: 'enter', help: 'open the selected cluster', short: 'open', views: ['clusters'], hint: true },
  { action: 'back', keys: ['escape', 'h'], label: 'esc', help: 'go back', short: 'back', views: ['cluster', 'help'], hint: true },
  { action: 'filter', keys: ['/'], label: '/', help: 'filter by name', short: 'filter', views: ['clusters'], hint: true },
  { action: 'sort', keys: ['s'], label: 's', help: 'cycle the sort column', short: 'sort', views: ['clusters'], hint: true },
  { action: 'command', keys: [':'], label: ':', help: 'command (:pg, :ns NAME, :ns all, :q)', short: 'command', views: ALL, hint: true },
  { action: 'help', keys: ['?'], label: '?', help: 'help', views: ['clusters', 'cluster'], hint: true },
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

export function helpLines(): { keys: string; help: string; views: string }[] {
  return KEYMAP.map((b) => ({ keys: b.keys.join(', '), help: b.help, views: b.views.length === ALL.length ? 'everywhere' : b.views.join(', ') }));
}
