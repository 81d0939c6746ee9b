// Logical backups under <prefix>/<cluster>/<uid>/logical_backups/: Zalando's
// <epoch>.sql.gz (pg_dumpall | gzip) and zpg's sets, a folder <id>/ with
// globals.sql.gz, one pg_dump -Fc file per database and manifest.json,
// written last: a set without its manifest is not a backup.
import { LOGICAL } from './layout.ts';
import { getText, isMissing, list, type Listed, type Reader } from './s3-list.ts';

export const SET_MANIFEST = 'manifest.json';

export interface LogicalSetManifest {
  format: 'zpg-logical-set/1';
  cluster: string;
  startedAt: string;
  finishedAt: string;
  pgVersion?: string;
  globals: { key: string; size: number };
  databases: { name: string; key: string; size: number }[];
}

export interface LogicalBackup {
  id: string;
  kind: 'logical-dumpall' | 'logical-set';
  /** the object (dumpall) or folder (set) */
  key: string;
  /** when it was taken: the key's epoch seconds, or the set manifest's finish */
  time: string;
  size: number;
  databases?: string[];
}

export async function listLogicalBackups(r: Reader, clusterDir: string): Promise<LogicalBackup[]> {
  const prefix = `${clusterDir}${LOGICAL}`;
  // No delimiter: a set's files are few (globals, one per database, the manifest), and listing them shows which sets are finished.
  const { objects } = await list(r, prefix).catch((e: unknown) => {
    if (isMissing(e)) return { objects: [] };
    throw e;
  });
  return logicalBackupsFrom(r, prefix, objects);
}

/** The backups among the keys under one logical_backups/ prefix; a set's manifest is read only when the set has one. */
export async function logicalBackupsFrom(r: Reader, prefix: string, objects: Listed[]): Promise<LogicalBackup[]> {
  const out: LogicalBackup[] = [];
  const sets: string[] = [];
  for (const o of objects) {
    const rel = o.key.slice(prefix.length);
    const m = /^(\d+)\.sql\.gz$/.exec(rel);
    if (m) out.push({ id: `${m[1]}.sql.gz`, kind: 'logical-dumpall', key: o.key, time: new Date(Number(m[1]) * 1000).toISOString(), size: o.size });
    else if (/^[^/]+\/manifest\.json$/.test(rel)) sets.push(o.key.slice(0, -SET_MANIFEST.length));
  }
  const read = await Promise.all(
    sets.map(async (p) => {
      const text = await getText(r, `${p}${SET_MANIFEST}`).catch((e: unknown) => (isMissing(e) ? undefined : Promise.reject(e)));
      if (!text) return undefined;
      const m = JSON.parse(text) as LogicalSetManifest;
      const entry: LogicalBackup = {
        id: p.slice(prefix.length, -1),
        kind: 'logical-set',
        key: p,
        time: m.finishedAt,
        size: m.globals.size + m.databases.reduce((n, d) => n + d.size, 0),
        databases: m.databases.map((d) => d.name),
      };
      return entry;
    }),
  );
  for (const s of read) if (s) out.push(s);
  return out.sort((a, b) => a.time.localeCompare(b.time));
}
