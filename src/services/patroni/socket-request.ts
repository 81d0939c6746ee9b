// One Patroni REST request over an already open socket-like stream (a
// port-forward tunnel), with the request's deadline. Free of client-node, so
// both the client-node transport and the lite one can use it.
import { request } from 'node:http';
import type { Duplex } from 'node:stream';
import type { PatroniRequest, PatroniResponse } from './client.ts';

export function requestOverSocket(socket: Duplex, req: PatroniRequest): Promise<PatroniResponse> {
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { name: 'TimeoutError' })), req.timeoutMs).unref();
    const body = req.body === undefined ? (req.method === 'POST' ? '{}' : undefined) : JSON.stringify(req.body);
    const r = request(
      {
        method: req.method,
        path: req.path,
        host: 'localhost',
        headers: { 'content-type': 'application/json', connection: 'close', ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
        createConnection: () => socket as never,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          clearTimeout(timer);
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, text });
        });
        res.on('error', fail);
      },
    );
    r.on('error', fail);
    r.end(body);
  });
}
