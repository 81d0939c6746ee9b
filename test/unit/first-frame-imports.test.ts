// The console's first frame (src/ui/run.tsx and everything it imports) and the
// lite paths must not reach client-node: its bundle is 15 MB of code, and one
// constant imported from a client-node module once cost the first frame 2-3 s
// of reading and compiling on a busy machine.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** every module reached from `entry` that imports client-node, with the chain of who imported whom */
async function clientNodeImporters(entry: string): Promise<string[]> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    jsx: 'automatic',
    logLevel: 'silent',
    plugins: [{ name: 'packages-external', setup: (b) => b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true })) }],
  });
  return Object.entries(r.metafile.inputs)
    .filter(([, i]) => i.imports.some((x) => x.path.startsWith('@kubernetes/client-node') && x.kind === 'import-statement'))
    .map(([file]) => file);
}

describe('start-up paths stay clear of client-node', () => {
  it.each(['src/ui/run.tsx', 'src/services/kube/lite/kubeconfig.ts', 'src/services/clusters/load-lite.ts', 'src/services/live/detail-feed.ts', 'src/services/live/detail-readers.ts'])('%s', async (entry) => {
    expect(await clientNodeImporters(entry)).toEqual([]);
  }, 60_000);
});
