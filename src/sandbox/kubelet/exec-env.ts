// What a command started by `kubectl exec` sees, as in Spilo's container: the
// container's own environment, libpq pointed at the member as its superuser,
// patronictl's config where it finds it (Spilo keeps it in /run/postgres.yml;
// here a copy of the member's patroni.yml in the pod's dir), and Service names
// that resolve (service-hosts.ts). `localhost` is the pod's own address, as in
// a container's network namespace (Spilo's scripts call localhost:8008): for
// resolver users (psql, Python, patronictl) through the pod's hosts file, for
// curl, which resolves localhost itself, through a .curlrc connect-to.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
 * address; rewritten on each exec, so they follow Service changes.
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
    const hosts = join(rt.podDir, 'hosts');
    replaceIfChanged(hosts, `${rt.ip} localhost localhost.localdomain ${pod}\n${rest}`);
    out.NSS_WRAPPER_HOSTS = hosts;
  }
  return out;
}

/**
 * Files that commands of other execs in the same pod may be reading right now:
 * replaced whole (a rename, never rewritten in place: a concurrent patronictl
 * read a half-copied config), and only when the content changed (nss_wrapper
 * reloads a replaced hosts file under a running process's threads).
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
