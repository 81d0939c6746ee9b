// Duplicate keys in a JSON request body. JSON.parse keeps the last one without
// a word; the real server's strict decoder names each duplicate by its path
// (`duplicate field "metadata.labels.app"`) and, by fieldValidation, refuses the
// request (Strict), warns (Warn, the default) or says nothing (Ignore).
// A scanner of its own, without recursion, so any nesting depth is safe.

/** Paths of the keys that occur twice in one object, in the order they are met. */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  // One frame per open object or array: the keys seen (objects) or the next index (arrays), and the key or
  // index it sits under. Paths are only spelled out for a duplicate: most bodies have none.
  const stack: { keys?: Set<string>; index: number; under: string | number | undefined }[] = [];
  let pendingKey: string | undefined;
  const pathTo = (last: string): string => {
    const parts: string[] = [];
    for (let f = 1; f < stack.length; f++) {
      const under = stack[f]!.under;
      parts.push(typeof under === 'number' ? `[${under}]` : parts.length ? `.${under ?? ''}` : (under ?? ''));
    }
    parts.push(parts.length ? `.${last}` : last);
    return parts.join('');
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      // a string right after `{` or `,` inside an object is a key
      if (top?.keys && pendingKey === undefined && text[nextNonSpace(text, end)] === ':') {
        const key = decode(text, i, end);
        if (top.keys.has(key)) found.push(pathTo(key));
        top.keys.add(key);
        pendingKey = key;
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const under = top ? (top.keys ? (pendingKey ?? '') : top.index) : undefined;
      stack.push(c === '{' ? { keys: new Set(), index: 0, under } : { index: 0, under });
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

/** the text of the JSON string from `start` (its opening quote) to `end` (past its closing quote) */
function decode(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  if (!inner.includes('\\')) return inner;
  try {
    return JSON.parse(text.slice(start, end)) as string;
  } catch {
    return inner;
  }
}
