// Turns what Ink's useInput delivers into key names for the keymap. Several
// characters can arrive in one read (key repeat, SSH batching): each counts.
import type { Key } from 'ink';

export function keyNames(input: string, key: Key): string[] {
  if (key.upArrow) return ['up'];
  if (key.downArrow) return ['down'];
  if (key.pageUp) return ['pageUp'];
  if (key.pageDown) return ['pageDown'];
  if (key.home) return ['home'];
  if (key.end) return ['end'];
  if (key.tab && !key.shift) return ['tab'];
  if (key.return) return ['return'];
  if (key.escape) return ['escape'];
  if (key.backspace || key.delete) return ['backspace'];
  if (key.ctrl && input === 'c') return ['ctrl-c'];
  return [...input].map((c) => CONTROL[c] ?? c);
}

/** Control characters that can ride along in a multi-character read. */
const CONTROL: Record<string, string> = { '\t': 'tab', '\r': 'return', '\n': 'return', '\x1b': 'escape', '\x7f': 'backspace', '\b': 'backspace' };
