// Where pg_dump, pg_restore and psql (local programs) reach one member's
// PostgreSQL: the pod IP inside a cluster, else a local TCP port on 127.0.0.1
// whose every connection rides its own port-forward tunnel, as the pg client
// in src/services/postgres does. Credentials: the superuser from the
// cluster's Secret; in the operator's CronJob, whose service account may not
// read Secrets, from the PGUSER/PGPASSWORD it already carries.
import * as k8s from '@kubernetes/client-node';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { PodTunnel } from '../kube/tunnel.ts';
import { POSTGRES_PORT, type MemberTarget } from '../postgres/connect.ts';
import { withTimeout } from '../postgres/credentials.ts';

export interface PgEndpoint {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function openPgEndpoint(kc: k8s.KubeConfig, m: MemberTarget, env: NodeJS.ProcessEnv = process.env): Promise<PgEndpoint> {
  if (env.KUBERNETES_SERVICE_HOST && m.podIP) return { host: m.podIP, port: POSTGRES_PORT, close: async () => undefined };
  const forward = new k8s.PortForward(kc);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const tunnel = new PodTunnel(forward, m.namespace, m.pod, POSTGRES_PORT);
    const done = () => {
      sockets.delete(socket);
      socket.destroy();
      tunnel.destroy();
    };
    socket.on('error', done).on('close', done);
    tunnel.on('error', done).on('close', done);
    tunnel.once('connect', () => {
      socket.pipe(tunnel);
      tunnel.pipe(socket);
    });
    tunnel.connect();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  // A forgotten endpoint must not keep zpg alive; connections in use do.
  server.unref();
  const port = (server.address() as { port: number }).port;
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Superuser {
  user: string;
  password: string;
  /** where the credentials came from, for messages (never the password) */
  from: string;
}

/** Zalando's default secret_name_template for the superuser. */
export const superuserSecret = (cluster: string, user = 'postgres') => `${user.replaceAll('_', '-')}.${cluster}.credentials.postgresql.acid.zalan.do`;

export async function superuserCredentials(kc: k8s.KubeConfig, namespace: string, cluster: string, env: NodeJS.ProcessEnv = process.env): Promise<Superuser> {
  const name = superuserSecret(cluster);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    const s = await withTimeout(core.readNamespacedSecret({ namespace, name }), 10_000, `reading Secret ${namespace}/${name}`);
    const get = (k: string) => (s.data?.[k] ? Buffer.from(s.data[k], 'base64').toString('utf8') : '');
    if (!get('password')) throw new Error(`Secret ${namespace}/${name} has no password`);
    return { user: get('username') || 'postgres', password: get('password'), from: `Secret ${namespace}/${name}` };
  } catch (e) {
    if (env.PGUSER && env.PGPASSWORD) return { user: env.PGUSER, password: env.PGPASSWORD, from: 'PGUSER/PGPASSWORD' };
    throw new Error(`cannot read the superuser's credentials from Secret ${namespace}/${name} (${e instanceof Error ? e.message : String(e)}); grant get on it, or set PGUSER and PGPASSWORD`, { cause: e });
  }
}

/**
 * The directory of pg_dump/pg_restore/psql for a server's major version:
 * PG_BIN if set, else Debian's /usr/lib/postgresql/<major>/bin, else the
 * newest installed one (pg_dump reads older servers, never newer), else PATH.
 */
export function pgBinDir(major: number | undefined, env: NodeJS.ProcessEnv = process.env, root = '/usr/lib/postgresql'): string | undefined {
  if (env.PG_BIN) return env.PG_BIN;
  if (major && existsSync(`${root}/${major}/bin/pg_dump`)) return `${root}/${major}/bin`;
  const installed = existsSync(root)
    ? readdirSync(root).map(Number).filter((v) => v > 0 && existsSync(`${root}/${v}/bin/pg_dump`)).sort((a, b) => b - a)
    : [];
  if (installed.length && (!major || installed[0] >= major)) return `${root}/${installed[0]}/bin`;
  return undefined;
}

export const pgProgram = (dir: string | undefined, name: 'pg_dump' | 'pg_dumpall' | 'pg_restore' | 'psql') => (dir ? `${dir}/${name}` : name);
