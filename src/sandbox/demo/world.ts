// The sandbox's moving parts in one process: the API server with its
// controllers, the kubelet serving pods/log, pods/exec and pods/portforward
// (left out with --no-pods, so pods stay Pending as on a cluster without
// nodes), and the S3 server. stop() takes them down in the order a cluster
// would go: members first, while the API they report to is still there.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from '../api/server.ts';
import { writeKubeconfig } from '../kubeconfig.ts';
import { servePodExec } from '../kubelet/exec.ts';
import { Kubelet } from '../kubelet/kubelet.ts';
import { servePodLogs } from '../kubelet/pod-log.ts';
import { servePortForward } from '../kubelet/port-forward.ts';
import { startS3Server, type S3Server } from '../s3/server.ts';

export const S3_BUCKET = 'zpg-demo';

export interface World {
  api: ApiServer;
  kubelet?: Kubelet;
  s3: S3Server;
  kubeconfig: string;
  stop(): Promise<void>;
}

export interface WorldOptions {
  dataDir: string;
  kubeconfig: string;
  /** third octet of the pods' loopback addresses; no kubelet when undefined */
  subnet?: number;
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const api = await startApiServer();
  writeKubeconfig(o.kubeconfig, api.url);
  let kubelet: Kubelet | undefined;
  let s3: S3Server | undefined;
  try {
    if (o.subnet !== undefined) {
      kubelet = new Kubelet(api.registry, { root: o.dataDir, kubeconfig: o.kubeconfig, deleter: api.http.deleter, subnet: o.subnet });
      servePodLogs(api.http, kubelet);
      servePodExec(api.http, kubelet);
      servePortForward(api.http, kubelet);
    }
    mkdirSync(join(o.dataDir, 's3'), { recursive: true });
    s3 = await startS3Server({ directory: join(o.dataDir, 's3'), buckets: [S3_BUCKET] });
  } catch (e) {
    await kubelet?.stop();
    await api.close();
    throw e;
  }
  const started = s3;
  return {
    api,
    kubelet,
    s3: started,
    kubeconfig: o.kubeconfig,
    stop: async () => {
      await kubelet?.stop();
      await Promise.all([started.stop(), api.close()]);
    },
  };
}
