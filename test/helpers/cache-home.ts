// Vitest's global setup: zpg's caches (the sentinels on disk) go to a directory of this run, not the home of
// whoever runs the tests, and every run starts without one. Workers and the processes tests start inherit it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'zpg-test-cache-'));
  process.env.XDG_CACHE_HOME = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
