// Duplicate keys in a JSON request body. JSON.parse keeps the last one without
// a word; the real server's strict decoder names each duplicate by its path
// (`duplicate field "metadata.labels.app"`) and, by fieldValidation, refuses the
// request (Strict), warns (Warn, the default) or says nothing (Ignore).
// A scanner of its own, without recursion, so any nesting depth is safe.

/** Paths of the keys that occur twice in one object, in the order they are met. */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  // one frame per open object or array: the keys seen (objects) or the next index (arrays)
  const stack: { keys?: Set<string>; index: number; path: string }[] = [];
  let pendingKey: string | undefined;
  let i = 0;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.keys) return top.path ? `${top.path}.${pendingKey ?? ''}` : (pendingKey ?? '');
    return `${top.path}[${top.index}]`;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      // a string right after `{` or `,` inside an object is a key
      if (top?.keys && pendingKey === undefined && text[nextNonSpace(text, end)] === ':') {
        const key = decode(text.slice(i, end));
        if (top.keys.has(key)) found.push(top.path ? `${top.path}.${key}` : key);
        top.keys.add(key);
        pendingKey = key;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const path = childPath();
      stack.push(c === '{' ? { keys: new Set(), index: 0, path } : { index: 0, path });
      pendingKey = undefined;
    } else if (c === '}' || c === ']') {
      stack.pop();
      pendingKey = undefined;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
      pendingKey = undefined;
    }
    i++;
  }
  return found;
}

/** index just past the closing quote of the string that starts at `start` */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return i;
}

function nextNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  return i;
}

function decode(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return quoted.slice(1, -1);
  }
}
