// Runs the real kubectl binary with a time limit, collecting its output.
import { spawn } from 'node:child_process';

export interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const KUBECTL_TIMEOUT_MS = 30_000;

export function runKubectl(bin: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string; label?: string[] }): Promise<KubectlRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kubectl ${(opts.label ?? args).join(' ')} still running after ${KUBECTL_TIMEOUT_MS} ms\n${stdout}\n${stderr}`));
    }, KUBECTL_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
