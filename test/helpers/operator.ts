// A sandbox API with zpg's CRDs installed, and an in-process `zpg --daemon`
// pointed at it through a kubeconfig, as it would run in a cluster.
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/operator/daemon.ts';
import { createLogger } from '../../src/services/log.ts';
import { startTestApi, type TestApi } from './sandbox.ts';
import { loadFixture } from './fixtures.ts';

const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy');

export async function installCrds(kc: k8s.KubeConfig): Promise<void> {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const file of ['postgresql.yaml', 'operatorconfiguration.yaml']) {
    for (const doc of parseAllDocuments(readFileSync(join(DEPLOY, 'crds', file), 'utf8'))) {
      await api.create(doc.toJS() as k8s.KubernetesObject);
    }
  }
}

export async function startOperatorApi(): Promise<TestApi> {
  const t = await startTestApi();
  await installCrds(t.kc);
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
