// A port-forward tunnel's errors as the kubelet sends them on the error channel: a refused connection (nothing
// listens: a member restarting) is coded as a socket's would be, so the operator's sync takes it for the moment it
// is. Found in the demo: a restart of the leader from the console left "Warning Sync: ... failed to connect to
// 127.0.40.4:5432: connect: connection refused".
import type * as k8s from '@kubernetes/client-node';
import { EventEmitter, once } from 'node:events';
import type { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PodTunnel } from '../../src/services/kube/tunnel.ts';
import { isTransientSqlError } from '../../src/services/postgres/execute.ts';

function tunnelFailing(text: string): PodTunnel {
  const forward = {
    async portForward(_ns: string, _pod: string, _ports: number[], _out: Writable, err: Writable) {
      setImmediate(() => err.write(text));
      return Object.assign(new EventEmitter(), { close: () => {} });
    },
  } as unknown as k8s.PortForward;
  return new PodTunnel(forward, 'default', 'acid-a-0', 5432).connect();
}

describe('a port-forward tunnel', () => {
  it("codes the kubelet's refused connection ECONNREFUSED, a moment the sync waits out", async () => {
    const [e] = (await once(tunnelFailing('error forwarding port 5432 to pod default/acid-a-0, uid 1: failed to connect to 127.0.40.4:5432: connect: connection refused'), 'error')) as [Error & { code?: string }];
    expect(e.message).toBe('failed to connect to 127.0.40.4:5432: connect: connection refused');
    expect(e.code).toBe('ECONNREFUSED');
    expect(isTransientSqlError(new Error(`PostgreSQL on default/acid-a-0, database postgres: ${e.message}`, { cause: e }))).toBe(true);
  });

  it('codes a connection the server broke (a write or read on a closing server) EPIPE or ECONNRESET', async () => {
    // seen in a loaded CI run: the leader shut down under the sync during a switchover
    const [pipe] = (await once(tunnelFailing('error forwarding port 5432 to pod default/acid-a-0, uid 1: failed to connect to 127.0.23.1:5432: write EPIPE'), 'error')) as [Error & { code?: string }];
    expect(pipe.code).toBe('EPIPE');
    expect(isTransientSqlError(pipe)).toBe(true);
    // a real kubelet's words for the same
    const [reset] = (await once(tunnelFailing('error forwarding port 5432 to pod default/acid-a-0, uid 1: read tcp4 127.0.0.1:41236->127.0.0.1:5432: read: connection reset by peer'), 'error')) as [Error & { code?: string }];
    expect(reset.code).toBe('ECONNRESET');
  });

  it('leaves other errors uncoded', async () => {
    const [e] = (await once(tunnelFailing('error forwarding port 5432 to pod default/acid-a-0, uid 1: pod not running'), 'error')) as [Error & { code?: string }];
    expect(e.message).toBe('pod not running');
    expect(e.code).toBeUndefined();
  });
});
