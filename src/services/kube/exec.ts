// A command in a pod's container over the Kubernetes API (client-node's Exec,
// v5.channel.k8s.io): stdin, a terminal when asked for, its size and later
// resizes, and the command's exit code from the final Status. The console's
// psql uses it (client-node is loaded there anyway), and the CLI when the
// kubeconfig needs client-node; the one-shot CLI takes lite/exec.ts.
import * as k8s from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { WebSocket } from 'ws';
import { ExecError, exitCodeOf, type ExecRequest } from './lite/exec.ts';

// The request, the errors and the reading of the exit code are shared with the lite path (lite/exec.ts).
export { ExecError, exitCodeOf, type ExecRequest, type TerminalLike } from './lite/exec.ts';

const RESIZE_CHANNEL = 4;

export async function execInPod(kc: k8s.KubeConfig, req: ExecRequest): Promise<number> {
  const tty = req.terminal !== undefined;
  // The output goes through a plain stream: client-node would otherwise send sizes in its own spelling.
  const out = new PassThrough();
  out.on('data', (d: Buffer) => req.stdout.write(d));
  const err = tty ? null : new PassThrough();
  err?.on('data', (d: Buffer) => (req.stderr ?? req.stdout).write(d));
  // The caller's input is lent, not given: its listeners go when the session ends (the console takes its keys back).
  const input = req.stdin ? new PassThrough() : null;
  const forward = (d: Buffer) => input?.write(d);
  const ended = () => input?.end();
  const unlend = () => {
    req.stdin?.off('data', forward);
    req.stdin?.off('end', ended);
  };
  req.stdin?.on('data', forward);
  req.stdin?.once('end', ended);
  let status: k8s.V1Status | undefined;
  const connect = new k8s.Exec(kc).exec(req.namespace, req.pod, req.container ?? 'postgres', req.command, out, err, input, tty, (s) => (status = s));
  const timeoutMs = req.connectTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const ws = (await Promise.race([
    connect,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ExecError(`exec in ${req.namespace}/${req.pod}: no connection within ${timeoutMs} ms`)), timeoutMs))),
  ]).catch((e: unknown) => {
    unlend();
    throw new ExecError(describeExecError(e, req));
  }).finally(() => clearTimeout(timer))) as WebSocket;

  let stopResize = () => {};
  if (req.terminal) {
    const t = req.terminal;
    // The API's TerminalSize is {Width, Height}; kubectl spells it so, and so do we.
    const send = () => ws.readyState === WebSocket.OPEN && ws.send(Buffer.concat([Buffer.from([RESIZE_CHANNEL]), Buffer.from(JSON.stringify({ Width: t.columns, Height: t.rows }))]));
    send();
    t.on('resize', send);
    stopResize = () => t.off('resize', send);
  }
  return new Promise<number>((resolve, reject) => {
    ws.on('close', () => {
      stopResize();
      unlend();
      if (!status) return reject(new ExecError(`exec in ${req.namespace}/${req.pod}: the connection closed before the command's exit status came`));
      try {
        resolve(exitCodeOf(status));
      } catch (e) {
        reject(e instanceof Error ? e : new ExecError(String(e)));
      }
    });
    ws.on('error', (e) => reject(new ExecError(`exec in ${req.namespace}/${req.pod}: ${e.message}`)));
  });
}

/** client-node rejects an upgrade with the HTTP error event or the API's Status text: one line out of either. */
function describeExecError(e: unknown, req: ExecRequest): string {
  if (e instanceof ExecError) return e.message;
  const text = e instanceof Error ? e.message : e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return `exec in ${req.namespace}/${req.pod}: ${text}`;
}
