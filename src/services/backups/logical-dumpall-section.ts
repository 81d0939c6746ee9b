// One database out of a pg_dumpall script (Zalando's <epoch>.sql.gz), as a
// stream, so it can be restored under another name: the lines between
// `-- Database "NAME" dump` and the next database's header, without the
// CREATE DATABASE and \connect lines, with the database's own name in ALTER /
// COMMENT / GRANT ... DATABASE statements turned into the target's. COPY
// data is passed through untouched (a row may look like anything).
import { Transform, type TransformCallback } from 'node:stream';

/** Always double-quoted: valid for any name (pg_dump quotes only when needed, so both spellings are matched). */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

const HEADER = /^-- Database "(.*)" dump$/;
const END = '-- PostgreSQL database cluster dump complete';
const DB_STATEMENT = /^(ALTER DATABASE|COMMENT ON DATABASE|SECURITY LABEL .* ON DATABASE|GRANT|REVOKE|ALTER ROLE .* IN DATABASE)\b/;

export class DumpallSection extends Transform {
  /** databases whose sections went by */
  readonly seen: string[] = [];
  found = false;
  private current: string | undefined;
  private inCopy = false;
  private rest = '';
  private readonly names: string[];
  private readonly database: string;
  private readonly target: string;

  constructor(database: string, target: string) {
    super();
    this.database = database;
    this.target = target;
    this.names = [quoteIdent(database), ...(/^[a-z_][a-z0-9_$]*$/.test(database) ? [database] : [])];
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    const out: string[] = [];
    for (const line of lines) {
      const kept = this.line(line);
      if (kept !== undefined) out.push(kept);
    }
    cb(null, out.length ? `${out.join('\n')}\n` : undefined);
  }

  override _flush(cb: TransformCallback): void {
    const kept = this.rest ? this.line(this.rest) : undefined;
    if (!this.found) return cb(new Error(`database "${this.database}" is not in this dump; it holds: ${this.seen.join(', ') || 'no databases'}`));
    cb(null, kept !== undefined ? `${kept}\n` : undefined);
  }

  private line(line: string): string | undefined {
    if (this.inCopy) {
      if (line === '\\.') this.inCopy = false;
      return this.current === this.database ? line : undefined;
    }
    const header = HEADER.exec(line);
    if (header) {
      this.current = header[1];
      this.seen.push(header[1]);
      if (this.current === this.database) this.found = true;
      return undefined;
    }
    if (line === END) this.current = undefined;
    if (this.current !== this.database) return undefined;
    if (/^COPY .* FROM stdin;$/.test(line)) this.inCopy = true;
    if (line.startsWith('CREATE DATABASE ') || line.startsWith('\\connect ')) return undefined;
    if (DB_STATEMENT.test(line)) {
      for (const n of this.names) {
        const at = line.indexOf(`DATABASE ${n}`);
        const after = line[at + `DATABASE ${n}`.length];
        if (at >= 0 && (after === ' ' || after === ';' || after === undefined)) return `${line.slice(0, at)}DATABASE ${quoteIdent(this.target)}${line.slice(at + `DATABASE ${n}`.length)}`;
      }
    }
    return line;
  }
}
