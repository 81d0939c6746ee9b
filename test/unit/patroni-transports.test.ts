// Patroni over a port-forward, with a fake tunnel in place of client-node's
// PortForward: Node's HTTP client speaks through it, every call has a
// deadline, and the kubelet's error channel becomes the error.
import type * as k8s from '@kubernetes/client-node';
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PatroniClient } from '../../src/services/patroni/client.ts';
import { portForwardTransport } from '../../src/services/patroni/transports.ts';

type Behaviour = (request: string, out: Writable, err: Writable, ws: EventEmitter & { close(): void }) => void;

function fakeForward(behave: Behaviour) {
  const calls: { namespace: string; pod: string; ports: number[] }[] = [];
  let closed = 0;
  const forward = {
    async portForward(namespace: string, pod: string, ports: number[], out: Writable, err: Writable, input: Readable) {
      calls.push({ namespace, pod, ports });
      const ws = Object.assign(new EventEmitter(), { close: () => void closed++ });
      let request = '';
      input.on('data', (d: Buffer) => {
        request += d.toString();
        if (request.includes('\r\n\r\n')) behave(request, out, err, ws);
      });
      return ws;
    },
  } as unknown as k8s.PortForward;
  return { forward, calls, closed: () => closed };
}

const CLUSTER = JSON.stringify({ members: [{ name: 'acid-a-0', role: 'leader', state: 'running', timeline: 3 }] });

describe('Patroni over port-forward', () => {
  it('sends GET /cluster through the tunnel to port 8008 and reads the answer', async () => {
    let seen = '';
    const f = fakeForward((req, out, _err, ws) => {
      seen = req;
      out.write(`HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${CLUSTER.length}\r\n\r\n${CLUSTER}`);
      ws.emit('close');
    });
    const view = await new PatroniClient(portForwardTransport(f.forward, 'default', 'acid-a-0'), 1000).cluster();
    expect(view.members).toEqual([expect.objectContaining({ name: 'acid-a-0', role: 'leader', timeline: 3 })]);
    expect(f.calls).toEqual([{ namespace: 'default', pod: 'acid-a-0', ports: [8008] }]);
    expect(seen).toMatch(/^GET \/cluster HTTP\/1\.1\r\n/);
    expect(seen.toLowerCase()).toContain('connection: close');
    expect(f.closed()).toBe(1); // the WebSocket does not outlive the call
  });

  it('gives up after the timeout when the member never answers', async () => {
    const f = fakeForward(() => {});
    const t0 = Date.now();
    await expect(new PatroniClient(portForwardTransport(f.forward, 'default', 'acid-a-0'), 150).cluster()).rejects.toThrow('Patroni REST API GET /cluster: no answer within 150 ms');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(f.closed()).toBe(1);
  });

  it('reports what the kubelet says on the error channel', async () => {
    const f = fakeForward((_req, _out, err) => err.write('error forwarding port 8008 to pod default/acid-a-0, uid 1234: failed to connect to 127.0.40.1:8008: connect: connection refused'));
    await expect(new PatroniClient(portForwardTransport(f.forward, 'default', 'acid-a-0'), 1000).cluster()).rejects.toThrow('failed to connect to 127.0.40.1:8008: connect: connection refused');
  });
});
