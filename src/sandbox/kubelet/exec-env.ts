// What a command started by `kubectl exec` sees, as in Spilo's container: the
// container's own environment, libpq pointed at the member as its superuser,
// patronictl's config where it finds it (Spilo keeps it in /run/postgres.yml;
// here a copy of the member's patroni.yml in the pod's dir), and Service names
// that resolve (service-hosts.ts). `localhost` is the pod's own address, as in
// a container's network namespace (Spilo's scripts call localhost:8008): for
// resolver users (psql, Python, patronictl) through the pod's hosts file, for
// curl, which resolves localhost itself, through a .curlrc connect-to.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN_DIR } from '../patroni/preflight.ts';
import type { Member } from '../patroni/member.ts';
import type { PodRuntime } from './kubelet.ts';

/** Of this process's environment, only what a shell and its tools need; nothing that would point them elsewhere. */
const HOST_ENV = /^(PATH|HOME|USER|LOGNAME|TERM|TZ|TMPDIR|LANG|LANGUAGE|LC_[A-Z]+)$/;

export interface ExecContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function execContext(pod: string, rt: PodRuntime & { member: Member }): ExecContext {
  mkdirSync(rt.podDir, { recursive: true, mode: 0o755 });
  // Written on each exec: it follows the member's config if the pod was recreated with another.
  const patronictlConfig = join(rt.podDir, 'postgres.yml');
  replaceIfChanged(patronictlConfig, readFileSync(rt.member.configFile, 'utf8'), 0o600); // it holds passwords
  const host = Object.fromEntries(Object.entries(process.env).filter(([k]) => HOST_ENV.test(k)));
  const superuser = rt.options?.superuser;
  const own = ownLocalhost(pod, rt);
  return {
    cwd: rt.podDir,
    env: {
      ...host,
      ...rt.serviceEnv,
      ...rt.env,
      HOSTNAME: pod,
      // Spilo's image has the server binaries (pg_ctl, pg_controldata) on PATH.
      PATH: [host.PATH ?? '/usr/local/bin:/usr/bin:/bin', PG_BIN_DIR].join(':'),
      PGHOST: rt.member.socketDir,
      PGDATA: rt.member.dataDir,
      PGPORT: String(rt.options?.pgPort ?? 5432),
      PGUSER: superuser?.username ?? 'postgres',
      PGPASSWORD: superuser?.password ?? '',
      PATRONICTL_CONFIG_FILE: patronictlConfig,
      // Patroni's Kubernetes DCS reads its kubeconfig from here (in a pod: the service account).
      KUBECONFIG: rt.kubeconfig,
      ...own,
    },
  };
}

/**
 * The pod's hosts file (localhost and the pod's name at its address, then the
 * namespace's Service names) and a .curlrc sending localhost to the same
 * address; made on each exec, so each new command sees the current Services.
 */
function ownLocalhost(pod: string, rt: PodRuntime): Record<string, string> {
  const out: Record<string, string> = {};
  replaceIfChanged(join(rt.podDir, '.curlrc'), `connect-to = localhost::${rt.ip}:\nconnect-to = 127.0.0.1::${rt.ip}:\n`);
  out.CURL_HOME = rt.podDir;
  const services = rt.serviceEnv.NSS_WRAPPER_HOSTS;
  if (services) {
    let rest = '';
    try {
      rest = readFileSync(services, 'utf8');
    } catch {
      // no Service has an endpoint yet
    }
    out.NSS_WRAPPER_HOSTS = hostsFile(rt.podDir, `${rt.ip} localhost localhost.localdomain ${pod}\n${rest}`);
  }
  return out;
}

/** Old hosts files: kept while a command started with one may still look names up in it. */
const HOSTS_KEEP = 8;
const HOSTS_KEEP_MS = 10 * 60_000;

/**
 * The hosts file of this content, written once and never replaced: nss_wrapper
 * rereads a replaced file under a running command, and with several threads
 * looking up (patronictl) that reload can kill it ("nwrap_he_unload: Failed to
 * initialize hash table", exit 255). A change of content is a new file.
 */
function hostsFile(dir: string, content: string): string {
  const file = join(dir, `hosts-${createHash('sha256').update(content).digest('hex').slice(0, 16)}`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, content, { mode: 0o644 });
  try {
    linkSync(tmp, file); // unlike a rename, never replaces a file a command may hold
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  pruneHosts(dir, file);
  return file;
}

/**
 * Bounds a long demo's old files. Only old ones beyond the newest few go: a
 * running command whose file is removed can no longer resolve (nss_wrapper
 * reopens it by name once it has been unlinked).
 */
function pruneHosts(dir: string, current: string): void {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('hosts-') && join(dir, f) !== current)
    .map((f) => ({ f, mtime: statSync(join(dir, f), { throwIfNoEntry: false })?.mtimeMs ?? Infinity }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { f, mtime } of files.slice(HOSTS_KEEP)) if (Date.now() - mtime > HOSTS_KEEP_MS) rmSync(join(dir, f), { force: true });
}

/**
 * Files that commands of other execs in the same pod may be reading right now:
 * replaced whole (a rename, never rewritten in place: a concurrent patronictl
 * read a half-copied config), and only when the content changed.
 */
function replaceIfChanged(file: string, content: string, mode = 0o644): void {
  try {
    if (readFileSync(file, 'utf8') === content) return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}
