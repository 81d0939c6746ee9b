// The kubeconfig the sandbox hands to clients. One context under two names:
// `zpg-sandbox` for people, and `kind-kind` because Patroni 3.0.2 ignores
// current-context and uses that name unless configured otherwise.
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export const SANDBOX_CONTEXT = 'zpg-sandbox';

export function sandboxKubeconfig(server: string, namespace = 'default'): Record<string, unknown> {
  const cluster = { server, 'insecure-skip-tls-verify': true };
  const context = (name: string) => ({ name, context: { cluster: 'zpg-sandbox', user: 'zpg-sandbox', namespace } });
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'zpg-sandbox', cluster }],
    users: [{ name: 'zpg-sandbox', user: { token: 'sandbox' } }],
    contexts: [context(SANDBOX_CONTEXT), context('kind-kind')],
    'current-context': SANDBOX_CONTEXT,
    preferences: {},
  };
}

/** Written atomically, so a reader never sees half a file. */
export function writeKubeconfig(file: string, server: string, namespace?: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(sandboxKubeconfig(server, namespace)), { mode: 0o600 });
  renameSync(tmp, file);
}
