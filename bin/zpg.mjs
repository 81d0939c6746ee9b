#!/usr/bin/env node
// Thin launcher: the program itself is the bundle that `npm run build` writes.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/zpg.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('zpg: dist/zpg.mjs is missing; run `npm run build` in the zpg checkout first.\n');
  process.exit(1);
}
// React's development build (picked when NODE_ENV is unset) renders several times slower and checks what only tests need.
if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = 'production';
// Ink's colour library ignores NO_COLOR; it does honour FORCE_COLOR=0, read at import time.
if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
await import(bundle.href);
