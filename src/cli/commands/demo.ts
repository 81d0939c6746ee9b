// `zpg demo`: the whole product on this machine: the sandbox (Kubernetes API,
// controllers, a kubelet running real Patroni + PostgreSQL members, S3), the
// operator, and two sample clusters. See src/sandbox/demo/run.ts.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

interface DemoFlags {
  kubeconfig?: string;
  dataDir?: string;
  headless?: boolean;
  pods: boolean;
  operator: boolean;
  clusters: boolean;
  backups: boolean;
}

export const DEMO_SETUP_COMMAND = 'bash scripts/setup.sh demo';

/** What to tell when this machine cannot run members; undefined when it can. */
export function missingForMembers(check: { ok: true } | { ok: false; missing: string[] }): string | undefined {
  if (check.ok) return undefined;
  return `zpg demo runs PostgreSQL 15 and Patroni on this machine, and some are missing: ${check.missing.join(', ')}; install them with \`${DEMO_SETUP_COMMAND}\` (see README, "Set up"), or run \`zpg demo --no-pods\` without members`;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run zpg on an embedded sandbox on this machine: API, kubelet, S3, the operator and two sample clusters')
    .option('--data-dir <dir>', 'where the sandbox keeps volumes, S3 objects, the kubeconfig and the operator log (wiped at start; default ~/.zpg/demo, /var/tmp/zpg-demo as root)')
    .option('--headless', 'print plain lines instead of opening the console (for scripts; implied when stdout is not a terminal)')
    .option('--no-pods', 'no kubelet: the API, its controllers and the operator only; pods stay Pending')
    .option('--no-operator', 'do not run the operator: the world alone, for an operator started separately (another zpg build, another configuration)')
    .option('--no-clusters', 'do not create the two sample clusters')
    .option('--no-backups', 'no backup store: the clusters archive no WAL and take no base backups (zpg backups has nothing to show)')
    .action(async (_f: DemoFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DemoFlags>();
      const [{ runDemo }, { defaultDataDir, DataDirError }, { preflight }] = await Promise.all([
        import('../../sandbox/demo/run.ts'),
        import('../../sandbox/demo/data-dir.ts'),
        import('../../sandbox/patroni/preflight.ts'),
      ]);
      if (flags.pods) {
        const missing = missingForMembers(preflight());
        if (missing) throw new UsageError(missing, 1);
      }
      try {
        await runDemo({
          dataDir: resolve(flags.dataDir ?? defaultDataDir()),
          kubeconfig: flags.kubeconfig === undefined ? undefined : resolve(flags.kubeconfig),
          headless: flags.headless === true,
          pods: flags.pods,
          operator: flags.operator,
          clusters: flags.clusters,
          backups: flags.backups,
          // On a terminal the demo ends in the console, on the sandbox's kubeconfig.
          console: async (kubeconfig) => (await import('./console.ts')).runConsole({ kubeconfig, allNamespaces: true }),
        });
      } catch (e) {
        if (e instanceof DataDirError) throw new UsageError(e.message, 1);
        throw e;
      }
    });
}
