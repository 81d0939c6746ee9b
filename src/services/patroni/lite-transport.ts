// Patroni's REST API through the lite client's port-forward: one tunnel per
// request, as the client-node transport does, without loading client-node.
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { openPodSocket } from '../kube/lite/port-forward.ts';
import { PATRONI_PORT, type PatroniTransport } from './client.ts';
import { requestOverSocket } from './socket-request.ts';

export function litePatroniTransport(k: LiteKube, namespace: string, pod: string, port = PATRONI_PORT): PatroniTransport {
  return async (req) => requestOverSocket(await openPodSocket(k, namespace, pod, port, req.timeoutMs), req);
}
