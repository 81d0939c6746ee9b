#!/usr/bin/env node
// Thin launcher: the program itself is the bundle that `npm run build` writes.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/zpg.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('zpg: dist/zpg.mjs is missing; run `npm run build` in the zpg checkout first.\n');
  process.exit(1);
}
// Ink's colour library ignores NO_COLOR; it does honour FORCE_COLOR=0, read at import time.
if (process.env.NO_COLOR && process.env.FORCE_COLOR === undefined) process.env.FORCE_COLOR = '0';
await import(bundle.href);
