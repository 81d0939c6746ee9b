// pods/exec over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io), as kubectl
// 1.32 and client-node speak it: the command runs as a local process in the
// pod's environment (exec-env.ts), its output goes out on channels 1 and 2,
// and the error channel carries the final Status: Success, or NonZeroExitCode
// with the code in an ExitCode cause, which is what makes kubectl exit with it.
// With a tty the command runs in a terminal (exec-tty.ts), stderr joined to stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { acceptWebSocket, CHANNEL_V4, CHANNEL_V5, isWebSocket, negotiate, onChannels, sendChannel } from '../api/channels.ts';
import { badRequest } from '../api/errors.ts';
import { parseBool, type ApiHttp } from '../api/http.ts';
import { execContext, type ExecContext } from './exec-env.ts';
import { inTerminal, parseSize, type TerminalSize } from './exec-tty.ts';
import type { Kubelet } from './kubelet.ts';
import { execTarget } from './stream-target.ts';

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const TTY_SIZE_WAIT_MS = 300;

interface ExecOptions {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function servePodExec(http: ApiHttp, kubelet: Kubelet): void {
  http.subresources.set('pods/exec', () => {
    throw badRequest('Upgrade request required');
  });
  http.upgrades.set('pods/exec', async (req, socket, head, target, query) => {
    const opts = execOptions(query);
    const rt = execTarget(http.registry, kubelet, target, query.get('container'));
    // kubectl falls back to SPDY only when the WebSocket upgrade fails; nothing here needs it.
    if (!isWebSocket(req)) throw badRequest('exec is served over WebSocket (v5.channel.k8s.io, v4.channel.k8s.io) only');
    const protocol = negotiate(req, [CHANNEL_V5, CHANNEL_V4]);
    if (!protocol) throw badRequest(`unable to upgrade: none of the requested protocols is supported; supports [${CHANNEL_V5} ${CHANNEL_V4}]`);
    const ctx = execContext(target.name, rt);
    const ws = await acceptWebSocket(req, socket, head, protocol);
    run(ws, opts, ctx);
  });
}

function execOptions(q: URLSearchParams): ExecOptions {
  const command = q.getAll('command');
  const opts = { command, stdin: parseBool(q.get('stdin')), stdout: parseBool(q.get('stdout')), stderr: parseBool(q.get('stderr')), tty: parseBool(q.get('tty')) };
  if (command.length === 0 || command[0] === '') throw badRequest('you must specify at least 1 command');
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw badRequest('you must specify at least one of stdin, stdout, stderr');
  if (opts.tty && opts.stderr) opts.stderr = false; // a terminal has one output stream, as the real server does
  return opts;
}

function run(ws: WebSocket, o: ExecOptions, ctx: ExecContext): void {
  // Input may come before the command starts (a tty waits for the size): it is kept until then.
  const input = new PassThrough();
  let size: TerminalSize | undefined;
  let sized = () => {};
  onChannels(ws, {
    data: (channel, payload) => {
      if (channel === STDIN) input.write(payload);
      else if (channel === RESIZE && !size) {
        // The first real size (a terminal not yet sized reports 0x0) is the one the command starts with.
        const s = parseSize(payload);
        if (s && s.Width > 0 && s.Height > 0) {
          size = s;
          sized();
        }
      }
    },
    close: (channel) => {
      if (channel === STDIN) input.end();
    },
  });
  // The kubelet's first message: an empty frame on the lowest writable channel says the streams are up.
  sendChannel(ws, o.stdout ? STDOUT : o.stderr ? STDERR : ERROR);

  let child: ChildProcess | undefined;
  let finished = false;
  const finish = (status: Record<string, unknown>) => {
    if (finished) return;
    finished = true;
    sendChannel(ws, ERROR, JSON.stringify(status));
    // 1000: clients read a normal closure as EOF on every stream.
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  const start = () => {
    if (child || ws.readyState !== ws.OPEN) return;
    const [file, args] = o.tty ? inTerminal(o.command, size) : [o.command[0], o.command.slice(1)];
    child = spawn(file, args, {
      cwd: ctx.cwd,
      env: o.tty ? { ...ctx.env, SHELL: '/bin/sh' } : ctx.env, // script runs the command with $SHELL -c
      // Its own process group: a client that goes away takes the command's children down with it.
      detached: true,
      stdio: [o.stdin ? 'pipe' : 'ignore', o.stdout || o.tty ? 'pipe' : 'ignore', o.stderr || o.tty ? 'pipe' : 'ignore'],
    });
    child.stdout?.on('data', (d: Buffer) => sendChannel(ws, STDOUT, d));
    child.stderr?.on('data', (d: Buffer) => sendChannel(ws, o.tty ? STDOUT : STDERR, d));
    child.stdin?.on('error', () => {}); // EPIPE: the command stopped reading, as cat | head does
    if (child.stdin) input.pipe(child.stdin);
    child.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? `exec: "${file}": executable file not found in $PATH` : e.message;
      finish(internalErrorStatus(`error executing command in container: ${why}`));
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      // A signalled process exits as a shell reports it: 128 + the signal's number.
      const rc = code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
      finish(rc === 0 ? { metadata: {}, status: 'Success' } : exitStatus(o.command, rc));
    });
  };
  if (o.tty) {
    // kubectl sends the terminal's size first thing; a client that never does gets a default-sized terminal.
    const timer = setTimeout(start, TTY_SIZE_WAIT_MS);
    sized = () => {
      clearTimeout(timer);
      start();
    };
  } else start();

  ws.on('close', () => {
    // Until its output closed the command (or a child holding its output) still runs.
    if (!finished && child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

function exitStatus(command: string[], rc: number) {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${rc}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(rc) }] },
  };
}

function internalErrorStatus(message: string) {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message }] },
    code: 500,
  };
}
