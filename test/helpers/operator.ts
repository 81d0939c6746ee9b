// A sandbox API with zpg's CRDs installed, and an in-process `zpg --daemon`
// pointed at it through a kubeconfig, as it would run in a cluster.
import * as k8s from '@kubernetes/client-node';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/operator/daemon.ts';
import { installCrds } from '../../src/sandbox/demo/install.ts';
import { createLogger } from '../../src/services/log.ts';
import { startTestApi, type TestApi } from './sandbox.ts';
import { loadFixture } from './fixtures.ts';

export async function startOperatorApi(): Promise<TestApi> {
  const t = await startTestApi();
  installCrds(t.api.registry);
  return t;
}

export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export async function startTestDaemon(t: TestApi, opts: Partial<DaemonOptions> = {}): Promise<Daemon & { logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const log = createLogger({ level: 'debug', write: (line) => void logs.push(JSON.parse(line) as LogLine) });
  const d = await startDaemon({
    kc: t.kc,
    namespace: 'zpg-system',
    port: 0,
    host: '127.0.0.1',
    leaseDurationSeconds: 3,
    renewDeadlineSeconds: 2,
    retryPeriodSeconds: 0.5,
    retryBaseMs: 200,
    watchedNamespace: '*',
    log,
    ...opts,
  });
  return Object.assign(d, { logs });
}

/** A fixture manifest, optionally renamed and placed in a namespace */
export function manifest(file: string, i = 0, patch: { name?: string; namespace?: string } = {}): k8s.KubernetesObject & { spec: Record<string, unknown> } {
  const doc = structuredClone(loadFixture(file)[i]!) as unknown as k8s.KubernetesObject & { spec: Record<string, unknown> };
  doc.metadata = { ...doc.metadata, ...(patch.name ? { name: patch.name } : {}), namespace: patch.namespace ?? 'default' };
  return doc;
}
