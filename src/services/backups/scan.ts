// What a catalog must know before it reads a cluster, in one listing: with
// the delimiter "_005/" every basebackups_005/ and wal_005/ folder rolls up
// into one common prefix however many files it holds, and the keys left are
// the logical backups. A bucket of 500 clusters is then a page or two, and
// one cluster one request, instead of a listing per cluster directory, per
// wal/ folder and per logical_backups/ folder.
import { BASEBACKUPS, LOGICAL, WAL } from './layout.ts';
import { list, type Listed, type Reader } from './s3-list.ts';

export const SCAN_DELIMITER = '_005/';

export interface ScannedCluster {
  cluster: string;
  uid: string;
  /** WAL prefixes (…/wal/<version>/, or …/wal/ of old Spilo) and which backup folders are under each */
  wal: Map<string, { base: boolean; wal: boolean }>;
  /** keys under logical_backups/ */
  logical: Listed[];
}

/** `rel` is a key or common prefix below one cluster's directory `dir` (trailing slash). */
function add(c: ScannedCluster, dir: string, rel: string, object: Listed | undefined): void {
  if (rel.startsWith(LOGICAL)) {
    if (object) c.logical.push(object);
    return;
  }
  // wal/<folder> or wal/<version>/<folder>, as a common prefix
  const m = /^wal\/(?:(\d+)\/)?(basebackups_005\/|wal_005\/)$/.exec(rel);
  if (!m || object) return;
  const prefix = `${dir}wal/${m[1] ? `${m[1]}/` : ''}`;
  const entry = c.wal.get(prefix) ?? { base: false, wal: false };
  if (m[2] === BASEBACKUPS) entry.base = true;
  if (m[2] === WAL) entry.wal = true;
  c.wal.set(prefix, entry);
}

/** One cluster's directory (`dir` with its trailing slash). */
export async function scanCluster(r: Reader, ref: { cluster: string; uid: string }, dir: string): Promise<ScannedCluster> {
  const { objects, prefixes } = await list(r, dir, { delimiter: SCAN_DELIMITER });
  const c: ScannedCluster = { cluster: ref.cluster, uid: ref.uid, wal: new Map(), logical: [] };
  // Without a uid the directory also holds other incarnations' folders (<uid>/…): add() skips them.
  for (const p of prefixes) add(c, dir, p.slice(dir.length), undefined);
  for (const o of objects) add(c, dir, o.key.slice(dir.length), o);
  return c;
}

/** Every cluster under `root` ("spilo/"), live or deleted, as name/uid pairs with what the scan found. */
export async function scanBucket(r: Reader, root = 'spilo/'): Promise<ScannedCluster[]> {
  const { objects, prefixes } = await list(r, root, { delimiter: SCAN_DELIMITER });
  const found = new Map<string, ScannedCluster>();
  const take = (path: string, object: Listed | undefined) => {
    const parts = path.slice(root.length).split('/');
    if (parts.length < 3 || !parts[0]) return;
    // spilo/<cluster>/<uid>/… as the operator writes, or spilo/<cluster>/… for Spilo without one
    const bare = parts[1] === 'wal' || `${parts[1]}/` === LOGICAL;
    const uid = bare ? '' : parts[1];
    const dir = `${root}${parts[0]}/${uid ? `${uid}/` : ''}`;
    const key = `${parts[0]}/${uid}`;
    const c = found.get(key) ?? { cluster: parts[0], uid, wal: new Map(), logical: [] };
    add(c, dir, path.slice(dir.length), object);
    if (c.wal.size || c.logical.length) found.set(key, c);
  };
  for (const p of prefixes) take(p, undefined);
  for (const o of objects) take(o.key, o);
  return [...found.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.uid.localeCompare(b.uid));
}
