// The sentinel cache kept on disk between zpg processes, as kubectl keeps discovery under ~/.kube/cache: a
// `zpg backups` or a console that starts again GETs only the sentinels that are new or rewritten since the last
// run (half a 500-cluster catalog's requests). Entries are keyed by key, ETag, time and size as listed, so a
// stale one is never served, only left to age out. A missing, unreadable or foreign file is an empty cache:
// the cache saves requests and is never a reason to fail.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SentinelCache } from './base-backups.ts';

const VERSION = 1;
/** temporary names unique within the process too: the console's feed and a clone plan may write at once */
let writes = 0;

/** $XDG_CACHE_HOME/zpg/sentinels.json, else ~/.cache/zpg/sentinels.json; none without a home. */
export function sentinelCachePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base ? join(base, 'zpg', 'sentinels.json') : undefined;
}

export class SentinelCacheFile extends SentinelCache {
  private writing: Promise<void> = Promise.resolve();
  /** the write that waits for the one under way */
  private queued: Promise<void> | undefined;
  /** files written, for tests */
  written = 0;
  private readonly path: string;
  private constructor(path: string, entries: [string, string][], max?: number) {
    super(max);
    this.path = path;
    for (const [id, text] of entries) super.set(id, text);
    this.changed = false;
  }

  /** The cache as an earlier process left it at `path`; read without blocking (the console draws meanwhile). */
  static async open(path: string, max?: number): Promise<SentinelCacheFile> {
    return new SentinelCacheFile(path, await readEntries(path), max);
  }

  /**
   * Writes the cache when something was added, whole and atomically (a reader never sees half a file); 0600.
   * Flushes while a write is under way share the one queued after it, which writes what is known when it
   * starts: a catalog flushes after each cluster, and 500 clusters must not mean 500 writes of a growing file.
   */
  override flush(): Promise<void> {
    if (!this.changed) return this.writing;
    if (this.queued) return this.queued;
    const queued = this.writing.then(async () => {
      this.queued = undefined;
      this.changed = false;
      const body = JSON.stringify({ version: VERSION, entries: [...this.texts] });
      try {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        const tmp = `${this.path}.${process.pid}.${++writes}.tmp`;
        await writeFile(tmp, body, { mode: 0o600 });
        await rename(tmp, this.path);
        this.written++;
      } catch {
        // a read-only or full home: the next process reads S3 instead
      }
    });
    this.queued = queued;
    this.writing = queued;
    return queued;
  }
}

async function readEntries(path: string): Promise<[string, string][]> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as { version?: unknown; entries?: unknown };
    if (json.version !== VERSION || !Array.isArray(json.entries)) return [];
    return json.entries.filter((e): e is [string, string] => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string');
  } catch {
    return [];
  }
}

/** The cache a catalog reader starts with: on disk where there is a home for it, else in memory. */
export async function sentinelCache(env: NodeJS.ProcessEnv = process.env): Promise<SentinelCache> {
  const path = sentinelCachePath(env);
  return path ? SentinelCacheFile.open(path) : new SentinelCache();
}
