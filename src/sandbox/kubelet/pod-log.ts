// pods/log through the API, as `kubectl logs` and client-node read it: plain
// text, `tailLines` honoured, and the real server's 400 while nothing runs.
import type { ApiHttp } from '../api/http.ts';
import { badRequest } from '../api/errors.ts';
import type { Kubelet } from './kubelet.ts';

export function servePodLogs(http: ApiHttp, kubelet: Kubelet): void {
  http.subresources.set('pods/log', (_req, res, target, query) => {
    const tail = query.get('tailLines') ? Number(query.get('tailLines')) : undefined;
    const text = kubelet.log(target.namespace ?? 'default', target.name, tail);
    if (text === undefined) throw badRequest(`container "postgres" in pod "${target.name}" is waiting to start: ContainerCreating`);
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  });
}
