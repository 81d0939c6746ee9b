// How a Patroni request reaches a member. Inside a cluster the pod IP is
// routable; from outside, each request rides its own port-forward through
// the API server (client-node's PortForward, v4.channel.k8s.io), with Node's
// HTTP client speaking over the tunnel as if it were a socket.
import * as k8s from '@kubernetes/client-node';
import { request } from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import { httpTransport, type PatroniTransport } from './client.ts';

export const PATRONI_PORT = 8008;

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

type Closable = { close(): void; on?(event: 'close', cb: () => void): void };

export function portForwardTransport(forward: k8s.PortForward, namespace: string, pod: string, port = PATRONI_PORT): PatroniTransport {
  return (req) =>
    new Promise((resolve, reject) => {
      const fromPod = new PassThrough();
      const toPod = new PassThrough();
      const errors = new PassThrough();
      let ws: Closable | undefined;
      let finished = false;
      const socket = Duplex.from({ readable: fromPod, writable: toPod });
      const done = (err?: Error) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        ws?.close();
        socket.destroy();
        if (err) reject(err);
      };
      const timer = setTimeout(() => {
        const e = new Error(`no answer within ${req.timeoutMs} ms`);
        e.name = 'TimeoutError';
        done(e);
      }, req.timeoutMs).unref(); // a call in flight must not hold zpg open after q
      // The kubelet reports a refused connection on the error channel, not by closing.
      errors.setEncoding('utf8').on('data', (text: string) => done(new Error(text.replace(/^error forwarding port \d+ to pod \S+, uid \S+: /, '').trim())));
      forward.portForward(namespace, pod, [port], fromPod, errors, toPod).then(
        (w) => {
          ws = w as Closable;
          if (finished) ws.close();
          else ws.on?.('close', () => fromPod.end());
        },
        (e: unknown) => done(new Error(`port-forward to ${namespace}/${pod}: ${describe(e)}`)),
      );
      const body = req.body === undefined ? (req.method === 'POST' ? '{}' : undefined) : JSON.stringify(req.body);
      const r = request(
        {
          method: req.method,
          path: req.path,
          host: 'localhost',
          headers: { 'content-type': 'application/json', connection: 'close', ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
          createConnection: () => socket,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            if (finished) return;
            resolve({ status: res.statusCode ?? 0, text });
            done();
          });
          res.on('error', (e) => done(e));
        },
      );
      r.on('error', (e) => done(e));
      r.end(body);
    });
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  // client-node rejects with the WebSocket's error event or an HTTP status.
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}
