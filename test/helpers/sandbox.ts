// Starts the sandbox API in the test process and writes a kubeconfig for it,
// so real clients (client-node, kubectl, Patroni) can be pointed at it.
import * as k8s from '@kubernetes/client-node';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/sandbox/api/server.ts';
import { writeKubeconfig } from '../../src/sandbox/kubeconfig.ts';

export interface TestApi {
  api: ApiServer;
  dir: string;
  kubeconfig: string;
  kc: k8s.KubeConfig;
  close(): Promise<void>;
}

export async function startTestApi(opts: ApiServerOptions = {}): Promise<TestApi> {
  const api = await startApiServer(opts);
  const dir = mkdtempSync(join(tmpdir(), 'zpg-test-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, api.url);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return {
    api,
    dir,
    kubeconfig,
    kc,
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `fn` returns a truthy value or the deadline passes, then fails with `what`. */
export async function eventually<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
