// `zpg psql` / `zpg patronictl` one-shot must not reach client-node (seconds of
// module loading on a busy machine, against kubectl exec's ~50 ms start): every
// module the commands load, statically or by the dynamic imports of the psql
// path's own modules, except the one declared fallback for kubeconfigs only
// client-node speaks. (Dynamic imports of shared modules, e.g. task-command.ts's
// for other tasks, are not on this path.)
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const FALLBACK = 'src/cli/shell-command-client-node.ts';
/** the modules whose dynamic imports run on the one-shot path */
const PATH = new Set(['src/cli/commands/psql.ts', 'src/cli/commands/patronictl.ts', 'src/cli/shell-command.ts', 'src/services/tasks/shell-lite.ts']);

/** the modules reachable from `entry` (static and dynamic imports), the fallback left out */
async function reachable(entry: string): Promise<Map<string, { path: string; kind: string }[]>> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    outdir: '/tmp/zpg-psql-imports-unused',
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'fallback-and-packages-external',
        setup: (b) => {
          b.onResolve({ filter: /^[^./]/ }, (a) => ({ path: a.path, external: true }));
        },
      },
    ],
  });
  const inputs = r.metafile.inputs;
  const seen = new Map<string, { path: string; kind: string }[]>();
  const visit = (file: string) => {
    if (seen.has(file) || file === FALLBACK || !inputs[file]) return;
    seen.set(file, inputs[file].imports);
    for (const x of inputs[file].imports) if (x.kind === 'import-statement' || (x.kind === 'dynamic-import' && PATH.has(file))) visit(x.path);
  };
  visit(entry);
  return seen;
}

describe("psql's and patronictl's one-shot path stays clear of client-node", () => {
  it.each(['src/cli/commands/psql.ts', 'src/cli/commands/patronictl.ts'])('%s', async (entry) => {
    const inputs = await reachable(entry);
    const importers = [...inputs].filter(([, imports]) => imports.some((x) => x.path.startsWith('@kubernetes/client-node'))).map(([file]) => file);
    expect(importers).toEqual([]);
    // not vacuous: the lite exec and pod lookup are on this path
    expect([...inputs.keys()]).toEqual(expect.arrayContaining(['src/services/kube/lite/exec.ts', 'src/services/kube/lite/websocket.ts', 'src/services/tasks/shell-lite.ts']));
  }, 60_000);
});
