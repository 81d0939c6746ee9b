// A command in a pod's container over the API server's pods/exec WebSocket,
// without client-node: the one-shot `zpg psql` / `zpg patronictl` must start
// as fast as `kubectl exec`, and client-node costs seconds of module loading.
// The protocol is kubectl's: v5.channel.k8s.io (v4 when the server has no v5);
// each binary message starts with its channel (0 stdin, 1 stdout, 2 stderr,
// 3 the final Status, 4 terminal size); v5's [255, 0] says stdin ended.
// The semantics are those of ../exec.ts (client-node's Exec): stdin lent, a
// terminal sized and resized, the exit code from the Status.
import type { Readable, Writable } from 'node:stream';
import type { LiteKube } from './kubeconfig.ts';
import { describeStatus, requestOptions } from './request.ts';
import { LiteWebSocket, OPEN, UpgradeRefused } from './websocket.ts';

/** Anything with a size that tells when it changes: process.stdout on a terminal. */
export interface TerminalLike {
  columns: number;
  rows: number;
  on(event: 'resize', cb: () => void): unknown;
  off(event: 'resize', cb: () => void): unknown;
}

export interface ExecRequest {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: Readable;
  stdout: Writable;
  /** ignored with a terminal: a terminal has one output stream */
  stderr?: Writable;
  /** run the command in a terminal sized (and resized) as this one */
  terminal?: TerminalLike;
  /** how long to wait for the connection (the command itself may run for hours) */
  connectTimeoutMs?: number;
}

export class ExecError extends Error {}

/** The parts of a v1 Status the exit code is read from. */
export interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** The command's exit code from the error channel's Status; a refusal or a lost connection throws. */
export function exitCodeOf(status: ExecStatus): number {
  if (status.status === 'Success') return 0;
  const code = status.reason === 'NonZeroExitCode' ? Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message) : NaN;
  if (Number.isInteger(code)) return code;
  throw new ExecError(status.message ?? 'the command failed without an exit code');
}

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const RESIZE = 4;
const CLOSE = 255;

/** The pods/exec path with kubectl's query: one `command` per argument. */
export function execPath(req: Pick<ExecRequest, 'namespace' | 'pod' | 'container' | 'command' | 'stdin' | 'terminal'>): string {
  const q = new URLSearchParams();
  for (const c of req.command) q.append('command', c);
  q.set('container', req.container ?? 'postgres');
  q.set('stdin', String(req.stdin !== undefined));
  q.set('stdout', 'true');
  q.set('stderr', String(req.terminal === undefined));
  q.set('tty', String(req.terminal !== undefined));
  return `/api/v1/namespaces/${encodeURIComponent(req.namespace)}/pods/${encodeURIComponent(req.pod)}/exec?${q}`;
}

/** Runs the command; resolves with its exit code once the Status came (or rejects once the connection closed without one). */
export function execLite(k: LiteKube, req: ExecRequest): Promise<number> {
  const where = `exec in ${req.namespace}/${req.pod}`;
  const timeoutMs = req.connectTimeoutMs ?? 15_000;
  const { url, headers, ca, cert, key, rejectUnauthorized, servername } = requestOptions(k, execPath(req));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new LiteWebSocket(url, EXEC_PROTOCOLS, { headers, ca, cert, key, rejectUnauthorized, ...(servername ? { servername } : {}), handshakeTimeout: timeoutMs });

  return new Promise<number>((resolve, reject) => {
    let status: ExecStatus | undefined;
    let failure: ExecError | undefined;
    const cleanups: (() => void)[] = [];
    const fail = (message: string) => (failure ??= new ExecError(message));

    ws.on('error', (e: Error) => {
      if (!(e instanceof UpgradeRefused)) return fail(`${where}: ${/no WebSocket handshake within/.test(e.message) ? `no connection within ${timeoutMs} ms` : e.message}`);
      const auth = e.status === 401 || e.status === 403;
      fail(auth ? describeStatus(k.server, e.status, e.body, `exec into ${req.namespace}/${req.pod}`) : `${where}: ${statusMessage(e.body) || `HTTP ${e.status}`}`);
    });
    // The caller's input is lent, not given: its listeners go when the session ends (the console takes its keys back).
    // What comes before the connection is up waits for it (a pipe's script may be read, and ended, by then).
    let queued: (Buffer | 'end')[] | undefined = [];
    let v5 = false;
    const send = (channel: number, data: Buffer) => ws.readyState === OPEN && ws.send(Buffer.concat([Buffer.from([channel]), data]));
    // v4 cannot say "end of input" and closing would lose the exit code: the command's stdin then stays open.
    const sendInput = (d: Buffer | 'end') => (d === 'end' ? v5 && ws.readyState === OPEN && ws.send(Buffer.from([CLOSE, STDIN])) : send(STDIN, d));
    if (req.stdin) {
      const input = req.stdin;
      const forward = (d: Buffer | string) => {
        const b = typeof d === 'string' ? Buffer.from(d) : d;
        if (queued) queued.push(b);
        else sendInput(b);
      };
      const ended = () => (queued ? queued.push('end') : sendInput('end'));
      input.on('data', forward);
      input.once('end', ended);
      cleanups.push(() => {
        input.off('data', forward);
        input.off('end', ended);
      });
    }
    ws.on('open', () => {
      v5 = ws.protocol === EXEC_PROTOCOLS[0];
      if (req.terminal) {
        const t = req.terminal;
        // The API's TerminalSize is {Width, Height}; kubectl spells it so, and so do we.
        const resize = () => send(RESIZE, Buffer.from(JSON.stringify({ Width: t.columns, Height: t.rows })));
        resize();
        t.on('resize', resize);
        cleanups.push(() => t.off('resize', resize));
      }
      const early = queued ?? [];
      queued = undefined;
      for (const d of early) sendInput(d);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length < 2) return; // the server's first, empty frame says the streams are up
      const body = data.subarray(1);
      if (data[0] === STDOUT) req.stdout.write(body);
      else if (data[0] === STDERR) (req.stderr ?? req.stdout).write(body);
      else if (data[0] === STATUS) {
        try {
          status = JSON.parse(body.toString('utf8')) as ExecStatus;
        } catch {
          fail(`${where}: ${body.toString('utf8').trim()}`);
        }
        // The Status is the last word: close as client-node does, the server then ends the session. The answer
        // is known now: waiting for the server's close frame cost a one-shot `zpg psql` ~5 ms, and the handshake
        // goes on without holding the process open.
        ws.close();
        ws.unref();
        settle();
      }
    });
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      for (const c of cleanups) c();
      // once the Status came, a connection reset on the way out changes nothing
      if (!status) return reject(failure ?? new ExecError(`${where}: the connection closed before the command's exit status came`));
      try {
        resolve(exitCodeOf(status));
      } catch (e) {
        reject(e instanceof Error ? e : new ExecError(String(e)));
      }
    };
    ws.on('close', settle);
  });
}

/** The message of a Status body, or its first line. */
function statusMessage(text: string): string {
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? '');
  } catch {
    return text.trim().split('\n')[0]!.slice(0, 200);
  }
}
