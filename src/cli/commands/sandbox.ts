// `zpg sandbox api`: the in-memory Kubernetes API on loopback, for people and
// tests that want a cluster-shaped world without a cluster.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

interface ApiFlags {
  kubeconfig?: string;
  port: string;
  host: string;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('the local world zpg demo runs in');
  sandbox
    .command('api')
    .description('serve an in-memory Kubernetes API on loopback and write a kubeconfig for it')
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--host <addr>', 'loopback address to listen on', '127.0.0.1')
    .action(async (_flags: ApiFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<ApiFlags>();
      if (!flags.kubeconfig) throw new UsageError('zpg sandbox api needs --kubeconfig FILE: the kubeconfig it writes for clients');
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: "${flags.port}" is not a port number (0-65535)`);
      if (!flags.host.startsWith('127.') && flags.host !== '::1' && flags.host !== 'localhost') {
        throw new UsageError(`--host: "${flags.host}" is not a loopback address; the sandbox serves only this machine`);
      }
      const [{ startApiServer }, { writeKubeconfig }] = await Promise.all([import('../../sandbox/api/server.ts'), import('../../sandbox/kubeconfig.ts')]);
      const api = await startApiServer({ port, host: flags.host });
      const file = resolve(flags.kubeconfig);
      writeKubeconfig(file, api.url);
      process.stdout.write(`sandbox API serving at ${api.url}\nkubeconfig written to ${file}\n`);
      await new Promise<void>((done) => {
        const stop = () => {
          process.stdout.write('sandbox API stopping\n');
          void api.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
