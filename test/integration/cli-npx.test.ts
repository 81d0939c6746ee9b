// `npx zpg` in the checkout runs zpg on the Node 24 from node_modules, while
// npm itself runs on whatever Node the system has: npm must not warn about
// engines the system Node does not meet (package.json's devEngines says the
// system Node only runs npm; npm then skips the root package's engines check).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/zpg.ts';

const run = promisify(execFile);

describe('npx zpg', () => {
  it('prints the version and no npm engine warnings, with the system Node first on PATH', async () => {
    // as a user's shell has it: without node_modules/.bin, which npm adds for us
    const PATH = (process.env.PATH ?? '').split(':').filter((p) => !p.includes('node_modules')).join(':');
    const r = await run('npx', ['zpg', '--version'], { cwd: REPO, env: { ...process.env, PATH, npm_config_loglevel: 'warn' } });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.stderr).not.toMatch(/EBADENGINE|EBADDEVENGINES|Unsupported engine/);
    // npx checks the root package's engines whenever it builds the tree (an install, a lock out of sync): provoke that
    const tree = await run('npm', ['install', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: REPO, env: { ...process.env, PATH } });
    expect(tree.stderr).not.toMatch(/package: 'zpg@/);
  }, 120_000);
});
