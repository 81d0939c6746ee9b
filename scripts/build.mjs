// Bundles the CLI into dist/zpg.mjs: one file loads faster than hundreds of
// TypeScript modules, and JSX needs a compile step anyway. Dependencies stay
// external so node_modules is the single source of library code.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: { zpg: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // Commands load their libraries on use: chunks keep `zpg --help` from loading Ink, client-node and the AWS SDK.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  jsx: 'automatic',
  sourcemap: 'linked',
  define: { ZPG_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
