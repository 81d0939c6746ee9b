#!/usr/bin/env node
// Thin launcher: the program itself is the bundle that `npm run build` writes.
import module from 'node:module';

// fs through require, not `import ... from 'node:fs'`: an ES import of a built-in builds its ESM facade, which
// reads every export, and fs.promises' getter alone loads some 30 of Node's internal modules (~30 ms).
const { existsSync } = module.createRequire(import.meta.url)('node:fs');

// undici (under @kubernetes/client-node) needs Node 22.19: on an older Node it dies at import with a stack trace.
const NEED = [22, 19];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < NEED[0] || (major === NEED[0] && minor < NEED[1])) {
  process.stderr.write(
    `zpg: needs Node.js ${NEED.join('.')} or newer; this is Node ${process.versions.node} (${process.execPath}).\n` +
      'Install a newer Node, or run zpg through npm in the checkout (`npm run zpg -- ...`), which uses the Node 24 in node_modules.\n',
  );
  process.exit(1);
}

const bundle = new URL('../dist/zpg.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('zpg: dist/zpg.mjs is missing; run `npm run build` in the zpg checkout first.\n');
  process.exit(1);
}
// React's development build (picked when NODE_ENV is unset) renders several times slower and checks what only tests need.
if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
// Ink's colour library ignores NO_COLOR; it does honour FORCE_COLOR=0, read at import time.
if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
// V8's compiled code cached on disk (Node 22.1+): the second start skips parsing and compiling the bundle,
// a third of `zpg list`'s time. ZPG_NO_COMPILE_CACHE=1 turns it off; NODE_COMPILE_CACHE names the directory.
if (!process.env.ZPG_NO_COMPILE_CACHE) module.enableCompileCache?.();
await import(bundle.href);
