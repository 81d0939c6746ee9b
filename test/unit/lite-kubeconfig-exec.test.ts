// A kubeconfig whose user is an exec credential plugin (EKS, GKE, OIDC
// helpers): the lite client runs it as kubectl does, once per process, with
// KUBERNETES_EXEC_INFO, and uses the token it prints; a failing plugin is one
// line naming it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { KubeConfigError, loadLiteKube } from '../../src/services/kube/lite/kubeconfig.ts';

const dir = mkdtempSync(join(tmpdir(), 'zpg-exec-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, command: string, args: string[]): string {
  const file = join(dir, name);
  const users = `users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${command}\n      args: [${args.map((a) => JSON.stringify(a)).join(', ')}]\n      env:\n      - name: PLUGIN_TOKEN\n        value: tok-from-env\n`;
  writeFileSync(file, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n${users}`);
  return file;
}

it('runs the plugin once and uses its token; the plugin sees its env and KUBERNETES_EXEC_INFO', () => {
  const count = join(dir, 'runs');
  const script = `echo run >> ${count}; kind=$(echo "$KUBERNETES_EXEC_INFO" | sed 's/.*"kind":"\\([A-Za-z]*\\)".*/\\1/'); printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s"}}' "$PLUGIN_TOKEN" "$kind"`;
  const k = loadLiteKube({ kubeconfig: kubeconfig('ok', '/bin/sh', ['-c', script]) });
  expect(k.credentials().token).toBe('tok-from-env-ExecCredential');
  expect(k.credentials().token).toBe('tok-from-env-ExecCredential');
  expect(readFileSync(count, 'utf8')).toBe('run\n');
});

it('a plugin that fails is one line naming it', () => {
  const k = loadLiteKube({ kubeconfig: kubeconfig('bad', '/bin/sh', ['-c', 'echo nope >&2; exit 3']) });
  expect(() => k.credentials()).toThrow(KubeConfigError);
  expect(() => k.credentials()).toThrow(/credential plugin \/bin\/sh failed/);
});
