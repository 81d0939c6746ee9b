// `zpg demo`: until the sandbox pods and the console land, the demo starts the
// sandbox API and the S3 server and says what they are, honestly.
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

interface DemoFlags {
  kubeconfig?: string;
  dataDir?: string;
  headless?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run zpg on an embedded sandbox on this machine')
    .option('--data-dir <dir>', 'where the sandbox keeps its data', join(homedir(), '.zpg', 'demo'))
    .option('--headless', 'run without a UI (for scripts)')
    .action(async (_f: DemoFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<DemoFlags>();
      const [{ startApiServer }, { writeKubeconfig }, { startS3Server }] = await Promise.all([
        import('../../sandbox/api/server.ts'),
        import('../../sandbox/kubeconfig.ts'),
        import('../../sandbox/s3/server.ts'),
      ]);
      const dataDir = resolve(flags.dataDir!);
      const kubeconfig = resolve(flags.kubeconfig ?? join(dataDir, 'kubeconfig'));
      mkdirSync(join(dataDir, 's3'), { recursive: true });
      const api = await startApiServer();
      const s3 = await startS3Server({ directory: join(dataDir, 's3'), buckets: ['zpg-demo'] });
      writeKubeconfig(kubeconfig, api.url);
      process.stdout.write(
        [
          'zpg demo: the sandbox is up.',
          `  Kubernetes API  ${api.url}  (in memory; kubectl --kubeconfig ${kubeconfig} get ns)`,
          `  S3              ${s3.endpoint}  (bucket zpg-demo, access key S3RVER)`,
          '  Not yet: Patroni/PostgreSQL pods, the operator and the console; they land with later issues.',
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        const stop = () => void Promise.all([api.close(), s3.stop()]).then(() => done());
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
