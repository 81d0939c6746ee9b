// A sandbox API with the CRDs, one namespace for the test's clusters, and an
// in-process daemon that leads: the world for tests of how the daemon answers
// manifests (no pods).
import * as k8s from '@kubernetes/client-node';
import { startOperatorApi, startTestDaemon } from './operator.ts';
import { eventually, type TestApi } from './sandbox.ts';

export interface DaemonWorld {
  t: TestApi;
  d: Awaited<ReturnType<typeof startTestDaemon>>;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  custom: k8s.CustomObjectsApi;
  /** creates a postgresql in the world's namespace */
  createPg(body: object): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startDaemonWorld(namespace: string): Promise<DaemonWorld> {
  const t = await startOperatorApi();
  const core = t.kc.makeApiClient(k8s.CoreV1Api);
  const apps = t.kc.makeApiClient(k8s.AppsV1Api);
  const custom = t.kc.makeApiClient(k8s.CustomObjectsApi);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespace({ body: { metadata: { name: 'zpg-system' } } });
  const d = await startTestDaemon(t, { resyncMs: 60_000 });
  await eventually('the daemon to lead', () => d.leading && d.controller, 10_000);
  return {
    t,
    d,
    core,
    apps,
    custom,
    createPg: (body) => custom.createNamespacedCustomObject({ group: 'acid.zalan.do', version: 'v1', plural: 'postgresqls', namespace, body }),
    stop: async () => {
      await d.stop();
      await t.close();
    },
  };
}
