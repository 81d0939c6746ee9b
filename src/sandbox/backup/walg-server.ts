// The sandbox's WAL-G stand-in as one long-lived server per process (the
// kubelet's): archive_command, restore_command, the replica method, the
// clone bootstrap and backup-push reach it over a Unix socket through
// walg-client.py, a few milliseconds of Python per call instead of a Node
// process that loads the AWS SDK for every WAL segment. The server does the
// S3 work; bytes that land in a member's data directory (a WAL file, a base
// backup's tar) go back to the client, which writes them as the member's
// user. Exit codes as before: 0 done, 1 not found, 2 error.
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { WalgConfig, WalgTarget } from './walg-env.ts';

/** What the client does with the bytes that follow (walg-client.py). */
type Sink = { file: string } | { tar: string };
interface Done {
  code: number;
  out?: string;
  err?: string;
  /** small files the client writes once the body is complete */
  write?: Record<string, string>;
}

/** Frames: one type byte (H header, D data, E end), a 32-bit length, the payload. */
function frame(type: 'H' | 'D' | 'E', payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/** Patroni appends --scope=, --datadir=, --role=, --connstring= and method options: read what we need, ignore the rest. */
export function parseArgs(argv: string[]): { config: string; command: string; positional: string[]; flags: Record<string, string> } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--([^=]+)=(.*)$/s.exec(a);
    if (m) flags[m[1]] = m[2];
    else if (a === '--config') flags.config = argv[++i];
    else positional.push(a);
  }
  const [command = '', ...rest] = positional;
  return { config: flags.config ?? '', command, positional: rest, flags };
}

class Failure extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}
const fail = (code: number, message: string): never => {
  throw new Failure(code, message);
};

/** An empty directory, or one with nothing but what a fresh volume holds */
const isEmpty = (dir: string) => !existsSync(dir) || readdirSync(dir).filter((f) => f !== 'lost+found').length === 0;

type Walg = typeof import('./walg.ts');

/** The clone's source prefix: Spilo tries wal/<ver>/ for each version up to ours, highest first, then the prefix as given. */
async function cloneSource(w: Walg, c: NonNullable<WalgConfig['clone']>, before?: Date) {
  const candidates: WalgTarget[] = [];
  if (/(^|\/)spilo\/.*\/wal\/$/.test(c.prefix)) for (let v = 15; v >= 9; v--) candidates.push({ ...c, prefix: `${c.prefix}${v}/` });
  candidates.push(c);
  for (const t of candidates) {
    const b = await w.pickBackup(t, { before });
    if (b) return { target: t, backup: b };
  }
  return undefined;
}

/**
 * The first base backup waits (at most SETTLE_MS) until Patroni reports every member running: a new cluster's
 * replicas bootstrap with pg_basebackup from the leader, and a second one beside them only slows them down.
 */
const SETTLE_MS = 90_000;
async function settled(c: WalgConfig, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline && !signal.aborted) {
    try {
      const res = await fetch(`http://${c.pg.host}:${c.pg.restPort ?? 8008}/cluster`, { signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]) });
      const body = (await res.json()) as { members?: { role?: string; state?: string }[] };
      const members = body.members ?? [];
      if (members.some((m) => m.role === 'leader' || m.role === 'master') && members.every((m) => m.state === 'running' || m.state === 'streaming')) return;
    } catch {
      // Patroni not answering yet: ask again.
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

type Send = (type: 'H' | 'D' | 'E', payload: Buffer) => Promise<void>;

async function streamBody(send: Send, sink: Sink, body: Readable | Buffer): Promise<void> {
  await send('H', Buffer.from(JSON.stringify(sink)));
  if (Buffer.isBuffer(body)) {
    for (let i = 0; i < body.length; i += 1 << 20) await send('D', body.subarray(i, i + (1 << 20)));
    return;
  }
  for await (const chunk of body) await send('D', chunk as Buffer);
}

async function run(req: { argv: string[]; cwd: string }, send: Send, signal: AbortSignal): Promise<Done> {
  const { config, command, positional, flags } = parseArgs(req.argv);
  if (!config) fail(2, 'missing --config FILE');
  // Only members this process prepared: the socket must not become a way to read any JSON file as root.
  if (!registered.has(resolve(config))) fail(2, `${config} is not a member configuration of this sandbox`);
  const c = JSON.parse(await readFile(config, 'utf8')) as WalgConfig;
  const w: Walg = await import('./walg.ts');
  const clonePrefixFile = join(dirname(config), 'clone-prefix');
  const own = () => c.own ?? fail(2, 'no backup store configured (WAL_S3_BUCKET or WALG_S3_PREFIX)');
  switch (command) {
    case 'wal-push':
      await w.walPush(own(), resolve(req.cwd, positional[0] ?? fail(2, 'wal-push PATH')));
      return { code: 0 };
    case 'wal-fetch': {
      const [name, dest] = positional;
      if (!name || !dest) fail(2, 'wal-fetch NAME DEST');
      // The clone's restore_command reads from the prefix its base backup came from.
      const t = flags.source === 'clone' ? { ...c.clone!, prefix: (await readFile(clonePrefixFile, 'utf8')).trim() } : own();
      const bytes = await w.walRead(t, name);
      if (!bytes) return { code: 1 };
      await streamBody(send, { file: resolve(req.cwd, dest) }, bytes);
      return { code: 0 };
    }
    case 'backup-push': {
      await settled(c, signal);
      return { code: 0, out: await w.backupPush(own(), c, signal) };
    }
    case 'replica-restore': {
      // Spilo's wale_restore.sh: the latest base backup, or exit non-zero so Patroni tries basebackup next.
      const dataDir = flags.datadir ?? fail(2, '--datadir missing');
      if (!c.own) fail(1, 'no backup store configured');
      const b = await w.pickBackup(c.own!);
      if (!b) fail(1, `no base backup under s3://${c.own!.bucket}/${c.own!.prefix}`);
      await streamBody(send, { tar: resolve(req.cwd, dataDir) }, await w.backupStream(c.own!, b!));
      return { code: 0, out: `restored ${b!.id}` };
    }
    case 'clone': {
      const dataDir = resolve(req.cwd, flags.datadir ?? fail(2, '--datadir missing'));
      if (!c.clone) fail(2, 'no clone source configured (CLONE_METHOD=CLONE_WITH_WALE with CLONE_WAL_S3_BUCKET)');
      if (!isEmpty(dataDir)) fail(2, `${dataDir} is not empty`);
      const time = flags['recovery-target-time'] || c.clone!.targetTime;
      let before: Date | undefined;
      if (time) {
        // Like Spilo's clone_with_wale.py: a target without a zone is refused.
        if (!/(Z|[+-]\d\d(:?\d\d)?)$/i.test(time.trim()) || Number.isNaN(Date.parse(time))) fail(2, `recovery target time "${time}" needs a timezone, e.g. 2026-12-04T18:00:00+00:00`);
        before = new Date(time);
      }
      const found = await cloneSource(w, c.clone!, before);
      if (!found) fail(1, before ? `Could not find any backups prior to the point in time ${time}` : 'Could not find any backups');
      await streamBody(send, { tar: dataDir }, await w.backupStream(found!.target, found!.backup));
      return { code: 0, out: `restored ${found!.backup.id} from s3://${found!.target.bucket}/${found!.target.prefix}`, write: { [clonePrefixFile]: found!.target.prefix } };
    }
    default:
      return fail(2, `unknown command "${command}" (wal-push, wal-fetch, backup-push, replica-restore, clone)`);
  }
}

function serve(sock: Socket): void {
  const abort = new AbortController();
  sock.once('close', () => abort.abort(new Error('the client went away')));
  sock.on('error', () => {});
  const send: Send = (type, payload) =>
    new Promise((ok, ko) => {
      if (sock.destroyed) return ko(new Error('the client went away'));
      if (sock.write(frame(type, payload))) return ok();
      // A client that dies with the socket full must not leave this waiting for a drain that never comes.
      const gone = () => ko(new Error('the client went away'));
      abort.signal.addEventListener('abort', gone, { once: true });
      sock.once('drain', () => {
        abort.signal.removeEventListener('abort', gone);
        ok();
      });
    });
  let head = '';
  const onData = (d: Buffer) => {
    head += d.toString('utf8');
    const nl = head.indexOf('\n');
    if (nl < 0) return;
    sock.off('data', onData);
    let req: { argv: string[]; cwd: string };
    try {
      req = JSON.parse(head.slice(0, nl)) as { argv: string[]; cwd: string };
    } catch {
      sock.destroy();
      return;
    }
    run(req, send, abort.signal)
      .catch((e: unknown): Done => (e instanceof Failure ? { code: e.code, err: e.message } : { code: 2, err: e instanceof Error ? e.message : String(e) }))
      .then((done) => {
        if (!sock.destroyed) sock.end(frame('E', Buffer.from(JSON.stringify(done))));
      });
  };
  sock.on('data', onData);
}

const SOCKET_DIR_PREFIX = 'zpg-walg-';

/**
 * Socket directories of processes that died without their exit hook (a killed test worker): a socket nobody
 * listens on refuses connections. One still being set up has no socket yet and is left alone.
 */
function sweepStale(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(SOCKET_DIR_PREFIX));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = join(tmpdir(), n);
    if (dir === shared?.dir || !existsSync(join(dir, 's'))) continue;
    const probe = connect(join(dir, 's'));
    probe.once('connect', () => probe.destroy());
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') rmSync(dir, { recursive: true, force: true });
    });
    probe.unref();
  }
}

/** Configuration files of members prepared in this process. */
const registered = new Set<string>();
let shared: { socket: string; dir: string } | undefined;

/**
 * The process-wide server's socket, started on first use. It lives in a directory of its own, owned by the
 * members' user when we run as root (the socket's permission is what lets their hooks connect).
 */
export function walgSocket(configFile: string, owner?: { uid: number; gid: number }): string {
  registered.add(resolve(configFile));
  if (shared) return shared.socket;
  // A short path: sun_path holds 107 bytes, and data directories can be deep.
  const dir = mkdtempSync(join(tmpdir(), SOCKET_DIR_PREFIX));
  const socket = join(dir, 's');
  const server = createServer(serve);
  server.listen(socket, () => {
    chmodSync(socket, 0o600);
    if (owner) chownSync(socket, owner.uid, owner.gid);
  });
  // The hooks of a member that outlives this process find no socket and fail, as WAL-G without its network would.
  server.unref();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  shared = { socket, dir };
  sweepStale();
  return socket;
}
