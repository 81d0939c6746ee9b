// Part of scripts/build.mjs, on its own so a test can run it on esbuild's output forms.
/**
 * Built-ins through process.getBuiltinModule instead of `import ... from 'node:x'`: an ES import of a built-in
 * makes Node build its ESM facade, which reads every export and so runs the lazy getters behind them
 * (fs.promises, util.diff, http's WebSocket, which loads Node's bundled undici): some 100 ms of `zpg list`'s
 * start. esbuild's CommonJS interop is no better (it reads every property descriptor), hence a rewrite of the
 * import statements esbuild prints, line for line so the source maps stay right.
 */
const BUILTIN_IMPORT = /^import (?:(\w+)|\* as (\w+)|(\w+), \{([^}]*)\}|\{([^}]*)\}) from "(node:[^"]+)";|^import "(node:[^"]+)";/gm;
export function builtinsOnUse(js) {
  const out = js.replace(BUILTIN_IMPORT, (all, def, star, def2, named2, named, id, bare) => {
    const lines = '\n'.repeat(all.split('\n').length - 1);
    if (bare) return `globalThis.process.getBuiltinModule("${bare}");${lines}`;
    const whole = def ?? star ?? def2;
    const specs = (named ?? named2 ?? '').split(',').map((x) => x.trim()).filter(Boolean).map((x) => x.split(/\s+as\s+/));
    const direct = specs.filter(([name]) => name === 'default').map(([, local]) => local);
    const rest = specs.filter(([name]) => name !== 'default').map(([name, local]) => (local ? `${name}: ${local}` : name));
    const m = `globalThis.process.getBuiltinModule("${id}")`;
    return [...[whole, ...direct].filter(Boolean).map((v) => `const ${v} = ${m};`), ...(rest.length ? [`const { ${rest.join(', ')} } = ${m};`] : [])].join(' ') + lines;
  });
  const left = out.match(/^import\b[^;]*["']node:[^"']+["'];/m);
  if (left) throw new Error(`build: an import of a built-in the rewrite does not know: ${left[0]}`);
  return out;
}
