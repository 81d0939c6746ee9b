// The sandbox S3 server: s3rver in a child process, under --openssl-legacy-provider
// because its paged listings encrypt continuation tokens with DES.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface S3Server { endpoint: string; port: number; stop(): Promise<void> }

export async function startS3Server(opts: { directory: string; host?: string; port?: number; buckets?: string[] }): Promise<S3Server> {
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const host = opts.host ?? '127.0.0.1';
  const args = ['--openssl-legacy-provider', bin, '-d', opts.directory, '-a', host, '-p', String(opts.port ?? 0), '-s', '--no-vhost-buckets'];
  for (const b of opts.buckets ?? []) args.push('--configure-bucket', b);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 10 s: ${err.trim()}`)), 10_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on [\d.]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`s3rver exited with ${code}: ${err.trim()}`)); });
  });
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => {
      process.removeListener('exit', kill);
      // Gone already, e.g. by the terminal's Ctrl-C, which reaches the whole process group.
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(kill, 3000);
      child.once('exit', () => { clearTimeout(t); resolve(); });
      child.kill('SIGTERM');
    }),
  };
}
