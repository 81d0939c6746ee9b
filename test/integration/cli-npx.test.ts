// `npx zpg` in the checkout runs zpg on the Node 24 from node_modules, while
// npm itself runs on whatever Node the system has: npm must not warn about
// engines the system Node does not meet. npx installs the checkout into its own
// cache (~/.npm/_npx) the first time and checks the root package's `engines`
// there, devEngines or not; so the package declares none and bin/zpg.mjs says
// which Node it needs. A fresh npm cache makes every run a first run, as on CI.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/zpg.ts';

const run = promisify(execFile);

describe('npx zpg', () => {
  it('prints the version and no npm engine warnings on its first run, with the system Node first on PATH', async () => {
    // as a user's shell has it: without node_modules/.bin, which npm adds for us
    const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':');
    const cache = mkdtempSync(join(tmpdir(), 'zpg-npm-cache-'));
    try {
      const env = { ...process.env, PATH, npm_config_cache: cache, npm_config_loglevel: 'warn', npm_config_offline: 'true', npm_config_ignore_scripts: 'true' }; // no rebuild of dist under the other tests' feet
      const first = await run('npx', ['zpg', '--version'], { cwd: REPO, env });
      expect(first.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
      expect(first.stderr).not.toMatch(/EBADENGINE|EBADDEVENGINES|Unsupported engine/);
      // an install in the checkout (a lock out of sync, a new dependency) checks the root package's engines too
      const tree = await run('npm', ['install', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REPO, env });
      expect(tree.stderr).not.toMatch(/package: 'zpg@/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
