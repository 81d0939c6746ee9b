// How a Patroni request reaches a member. Inside a cluster the pod IP is
// routable; from outside, each request rides its own port-forward through
// the API server (client-node's PortForward, v4.channel.k8s.io), with Node's
// HTTP client speaking over the tunnel as if it were a socket.
import * as k8s from '@kubernetes/client-node';
import { openPodTunnel } from '../kube/tunnel.ts';
import { PATRONI_PORT, httpTransport, type PatroniTransport } from './client.ts';
import { requestOverSocket } from './socket-request.ts';

export { PATRONI_PORT };

export interface MemberAddress {
  namespace: string;
  pod: string;
  podIP?: string;
}

/** One transport per member: the pod IP in a cluster (KUBERNETES_SERVICE_HOST set), a port-forward outside. */
export function memberTransports(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv = process.env): (m: MemberAddress) => PatroniTransport {
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  const forward = new k8s.PortForward(kc);
  return (m) => (inCluster && m.podIP ? httpTransport(`http://${m.podIP}:${PATRONI_PORT}`) : portForwardTransport(forward, m.namespace, m.pod));
}

export function portForwardTransport(forward: k8s.PortForward, namespace: string, pod: string, port = PATRONI_PORT): PatroniTransport {
  return (req) => requestOverSocket(openPodTunnel(forward, namespace, pod, port), req);
}
