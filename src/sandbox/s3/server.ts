// The sandbox S3 server: s3rver in a child process, under --openssl-legacy-provider
// because its paged listings encrypt continuation tokens with DES.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface S3Server { endpoint: string; port: number; stop(): Promise<void> }

function s3rverMain(): string | undefined {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'src', 'sandbox', 's3', 's3rver-main.mjs');
    if (existsSync(p)) return p;
  }
  return undefined;
}

export async function startS3Server(opts: { directory: string; host?: string; port?: number; buckets?: string[] }): Promise<S3Server> {
  const require = createRequire(import.meta.url);
  // s3rver's CLI, with the delimiter-listing fix of s3rver-main.mjs when this checkout has it.
  const bin = s3rverMain() ?? join(dirname(require.resolve('s3rver/package.json')), 'bin', 's3rver.js');
  const host = opts.host ?? '127.0.0.1';
  const args = ['--openssl-legacy-provider', bin, '-d', opts.directory, '-a', host, '-p', String(opts.port ?? 0), '-s', '--no-vhost-buckets'];
  for (const b of opts.buckets ?? []) args.push('--configure-bucket', b);
  // stdin stays an open pipe: s3rver-main.mjs exits when it ends, i.e. when this process is gone, even by SIGKILL.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    let err = '';
    // It waits for the "listening" line; the limit only catches a hang (a loaded 2-core machine took over 10 s to load it).
    const timer = setTimeout(() => {
      kill();
      reject(new Error(`s3rver did not start within 60 s: ${err.trim()}`));
    }, 60_000);
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
