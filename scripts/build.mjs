// Bundles the CLI into dist/zpg.mjs: one file loads faster than hundreds of
// TypeScript modules, and JSX needs a compile step anyway. Dependencies stay
// external so node_modules is the single source of library code, except the
// console's UI stack (Ink, React, zustand's React binding): imported from
// node_modules Ink costs ~300 ms (its es-toolkit/compat barrel alone ~150 ms),
// bundled and tree-shaken ~110 ms, and the console's first frame must come
// within 500 ms. One bundled copy of React serves Ink, zustand and our views.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { builtinsOnUse } from './builtins-on-use.mjs';

const UI_STACK = /^(ink|react|react-reconciler|scheduler|zustand)(\/|$)/;
// What start-up pays for: argument parsing and the kubeconfig's YAML for every command, and client-node
// for the console's feeds, the daemon and the tasks. One chunk instead of hundreds of files resolved and
// read from node_modules: client-node's own barrel alone costs ~2 s of module loading on this machine.
const START_UP = /^(commander|yaml|@kubernetes\/client-node)(\/|$)/;

/** Packages stay external, except the UI stack and whatever it imports in turn. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      // Ink loads it only under DEV=true when it is installed (it is not a dependency).
      if (args.path === 'react-devtools-core') return { path: args.path, external: true };
      if (UI_STACK.test(args.path) || START_UP.test(args.path) || args.importer.includes('/node_modules/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const result = await build({
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
  plugins: [externals],
  jsx: 'automatic',
  sourcemap: 'linked',
  // React's production build inside the bundle, whatever NODE_ENV says at run time.
  define: { ZPG_VERSION: JSON.stringify(pkg.version), 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS (React) may require() Node's built-ins; ESM has no require of its own.
  banner: { js: "const require = globalThis.process.getBuiltinModule('node:module').createRequire(import.meta.url);" },
  logLevel: 'warning',
  write: false,
});
for (const f of result.outputFiles) {
  mkdirSync(dirname(f.path), { recursive: true });
  writeFileSync(f.path, f.path.endsWith('.mjs') ? builtinsOnUse(f.text) : f.contents);
}
