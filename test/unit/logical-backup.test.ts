// Pure parts of logical backups: retention in Zalando's spellings and as a
// count (never the newest), and one database cut out of a pg_dumpall script
// with its name changed, COPY data untouched however it looks.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DumpallSection } from '../../src/services/backups/logical-dumpall-section.ts';
import type { LogicalBackup } from '../../src/services/backups/logical-list.ts';
import { expiredBackups, parseRetention } from '../../src/services/backups/logical-retention.ts';

const backup = (id: string, time: string): LogicalBackup => ({ id, kind: 'logical-dumpall', key: id, time, size: 1 });
const all = [backup('a', '2026-09-01T00:00:00.000Z'), backup('b', '2026-11-01T00:00:00.000Z'), backup('c', '2026-12-01T00:00:00.000Z'), backup('d', '2026-12-04T00:00:00.000Z')];
const now = new Date('2026-12-05T00:00:00Z');

describe('retention', () => {
  it('reads counts and the ages date -d understands', () => {
    expect(parseRetention('')).toBeUndefined();
    expect(parseRetention('5')).toMatchObject({ kind: 'count', keep: 5 });
    expect(parseRetention('3 months')!.kind).toBe('age');
    expect(parseRetention('1 week ago')!.kind).toBe('age');
    expect(() => parseRetention('0')).toThrow(/keep at least 1/);
    expect(() => parseRetention('forever', '--retention')).toThrow(/--retention "forever": use a count/);
  });

  it('deletes beyond the count, or older than the age, and never the newest', () => {
    expect(expiredBackups(all, parseRetention('2')!, now).map((b) => b.id)).toEqual(['b', 'a']);
    expect(expiredBackups(all, parseRetention('1 month')!, now).map((b) => b.id)).toEqual(['b', 'a']);
    expect(expiredBackups(all, parseRetention('3 days')!, now).map((b) => b.id)).toEqual(['c', 'b', 'a']);
    // everything is old: the newest stays anyway
    expect(expiredBackups(all, parseRetention('1 hour')!, new Date('2027-06-01T00:00:00Z')).map((b) => b.id)).toEqual(['c', 'b', 'a']);
    expect(expiredBackups(all, parseRetention('10')!, now)).toEqual([]);
  });
});

const DUMP = `--
-- PostgreSQL database cluster dump
--
CREATE ROLE zalando;
--
-- Database "template1" dump
--

\\connect template1
CREATE TABLE not_this (x int);
--
-- Database "foo" dump
--

CREATE DATABASE foo WITH TEMPLATE = template0 ENCODING = 'UTF8';
ALTER DATABASE foo OWNER TO zalando;
\\connect foo
ALTER DATABASE foo SET work_mem TO '8MB';
CREATE TABLE public.t (id int, note text);
COPY public.t (id, note) FROM stdin;
1\t-- Database "postgres" dump
2\tCREATE DATABASE evil;
\\.
GRANT ALL ON DATABASE foo TO zalando;
--
-- Database "postgres" dump
--

\\connect postgres
CREATE TABLE not_that (x int);
--
-- PostgreSQL database cluster dump complete
--
`;

async function cut(db: string, target: string, chunk = 7): Promise<string> {
  const parts: string[] = [];
  for (let i = 0; i < DUMP.length; i += chunk) parts.push(DUMP.slice(i, i + chunk));
  let out = '';
  for await (const c of Readable.from(parts.map((p) => Buffer.from(p))).pipe(new DumpallSection(db, target))) out += String(c);
  return out;
}

describe('one database out of a pg_dumpall script', () => {
  it('keeps its section, renames the database, passes COPY data as it is', async () => {
    expect(await cut('foo', 'foo_restored')).toBe(`--

ALTER DATABASE "foo_restored" OWNER TO zalando;
ALTER DATABASE "foo_restored" SET work_mem TO '8MB';
CREATE TABLE public.t (id int, note text);
COPY public.t (id, note) FROM stdin;
1\t-- Database "postgres" dump
2\tCREATE DATABASE evil;
\\.
GRANT ALL ON DATABASE "foo_restored" TO zalando;
--
`);
  });

  it('says which databases the dump holds when the one asked for is not there', async () => {
    await expect(cut('bar', 'x', 1000)).rejects.toThrow('database "bar" is not in this dump; it holds: template1, foo, postgres');
  });
});
