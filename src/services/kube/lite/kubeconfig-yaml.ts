// The YAML that kubectl, kind and the cloud CLIs write into kubeconfigs (block
// mappings and sequences of plain or quoted scalars), read without the yaml
// library: its first parse runs cold code, ~30 ms of a one-shot command's start.
// Anything beyond that subset (anchors, tags, block or multi-line scalars, flow
// collections other than {} and [], comments after a value, odd numbers)
// answers undefined and the caller parses the text with yaml, so a kubeconfig
// never reads differently here than there.

type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

interface Line {
  indent: number;
  /** the content after the indentation */
  text: string;
}

class Unsupported extends Error {}

const fail = (): never => {
  throw new Unsupported();
};

// plain keys as kubeconfigs spell them (a key like `true` or `1` would need the core schema's reading)
const KEY = /^((?!(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)[ ]*:)[A-Za-z_][A-Za-z0-9_./-]*|"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ ]*:(?:[ ]+(.*))?$/;
const JSON_ESCAPES = /\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/g;

function scalar(raw: string): Value {
  const v = raw.trimEnd();
  if (v === '' || v === '~' || v === 'null' || v === 'Null' || v === 'NULL') return null;
  if (v === 'true' || v === 'True' || v === 'TRUE') return true;
  if (v === 'false' || v === 'False' || v === 'FALSE') return false;
  if (v === '{}') return {};
  if (v === '[]') return [];
  if (v.startsWith('"')) {
    // JSON's escapes only: YAML's others (\x41, \e, \N, a line break) go to the yaml library
    if (v.length < 2 || !v.endsWith('"') || v.slice(1, -1).replace(JSON_ESCAPES, '').includes('\\')) fail();
    try {
      return JSON.parse(v) as string;
    } catch {
      return fail();
    }
  }
  if (v.startsWith("'")) {
    const inner = v.slice(1, -1);
    if (v.length < 2 || !v.endsWith("'") || inner.replace(/''/g, '').includes("'")) fail();
    return inner.replace(/''/g, "'");
  }
  // indicators, comments, a mapping in a value, and numbers other than plain small integers
  if (/^[[\]{}&*!|>%@`#,]/.test(v) || /^[-?:](\s|$)/.test(v) || v.includes(': ') || v.endsWith(':') || v.includes(' #') || v.includes('\t')) fail();
  if (/^[0-9]{1,15}$/.test(v)) return Number(v);
  if (/^[-+]?(\.?[0-9]|\.(inf|Inf|INF|nan|NaN|NAN)$)/.test(v)) fail();
  return v;
}

function keyOf(raw: string): string {
  if (raw.startsWith('"')) return scalar(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

class Parser {
  private i = 0;
  private readonly lines: Line[];
  constructor(lines: Line[]) {
    this.lines = lines;
  }

  document(): Value {
    const v = this.node(0);
    if (this.i < this.lines.length) fail();
    return v;
  }

  private get line(): Line | undefined {
    return this.lines[this.i];
  }

  /** the node whose lines start at the current line, indented `min` or more */
  private node(min: number): Value {
    const l = this.line;
    if (!l || l.indent < min) return null;
    return l.text.startsWith('- ') || l.text === '-' ? this.sequence(l.indent) : this.mapping(l.indent);
  }

  private mapping(indent: number): Value {
    const out: Record<string, Value> = {};
    for (let l = this.line; l && l.indent === indent && !(l.text.startsWith('- ') || l.text === '-'); l = this.line) {
      const m = KEY.exec(l.text) ?? fail();
      const key = keyOf(m[1]);
      if (Object.hasOwn(out, key) || key === '__proto__') fail();
      this.i++;
      if (m[2] !== undefined && m[2].trim() !== '') {
        out[key] = scalar(m[2]);
        continue;
      }
      const next = this.line;
      // a sequence may sit at its key's own indentation, as kubectl writes `clusters:\n- cluster:`
      if (next && next.indent === indent && (next.text.startsWith('- ') || next.text === '-')) out[key] = this.sequence(indent);
      else out[key] = next && next.indent > indent ? this.node(next.indent) : null;
    }
    const l = this.line;
    if (l && l.indent > indent) fail();
    return out;
  }

  private sequence(indent: number): Value {
    const out: Value[] = [];
    for (let l = this.line; l && l.indent === indent && (l.text.startsWith('- ') || l.text === '-'); l = this.line) {
      const rest = l.text.slice(1).replace(/^ +/, '');
      const column = indent + (l.text.length - rest.length);
      if (rest === '') {
        this.i++;
        const next = this.line;
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
      } else if (KEY.test(rest)) {
        // `- key: value`: a mapping whose keys line up with this one's
        this.lines[this.i] = { indent: column, text: rest };
        out.push(this.mapping(column));
      } else if (rest.startsWith('- ')) {
        fail();
      } else {
        this.i++;
        out.push(scalar(rest));
      }
    }
    const l = this.line;
    if (l && l.indent > indent) fail();
    return out;
  }
}

/** The kubeconfig's content, or undefined when only the yaml library can say what it means. */
export function parseKubeconfigYaml(text: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const content = s.trimStart();
    if (content === '' || content.startsWith('#')) continue;
    if (s.startsWith('\t') || /^ *\t/.test(s) || content.startsWith('---') || content.startsWith('...') || content.startsWith('%')) return undefined;
    lines.push({ indent: s.length - content.length, text: content.trimEnd() });
  }
  if (!lines.length || lines[0].indent !== 0) return undefined;
  try {
    return new Parser(lines).document();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}
