// A pg Client for one member's PostgreSQL: straight to the pod IP inside a
// cluster (KUBERNETES_SERVICE_HOST set), through a port-forward tunnel from
// outside one, the same way Patroni's REST API is reached. Connect and every
// query have deadlines.
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
// pg calls connect() on the stream itself, so it gets an unstarted tunnel.
import { PodTunnel } from '../kube/tunnel.ts';

export const POSTGRES_PORT = 5432;

export interface MemberTarget {
  namespace: string;
  pod: string;
  podIP?: string;
}

export interface Credentials {
  user: string;
  password: string;
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}

export type PgConnector = (m: MemberTarget, creds: Credentials, database?: string) => Promise<pg.Client>;

export function pgConnector(kc: k8s.KubeConfig, env: NodeJS.ProcessEnv = process.env, o: ConnectOptions = {}): PgConnector {
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  const forward = new k8s.PortForward(kc);
  const connectTimeoutMs = o.connectTimeoutMs ?? 10_000;
  const queryTimeoutMs = o.queryTimeoutMs ?? 60_000;
  return async (m, creds, database = 'postgres') => {
    const direct = inCluster && m.podIP;
    const client = new pg.Client({
      host: direct ? m.podIP : 'localhost',
      port: POSTGRES_PORT,
      user: creds.user,
      password: creds.password,
      database,
      application_name: 'zpg-operator',
      connectionTimeoutMillis: connectTimeoutMs,
      query_timeout: queryTimeoutMs,
      statement_timeout: queryTimeoutMs,
      ...(direct ? {} : { stream: () => new PodTunnel(forward, m.namespace, m.pod, POSTGRES_PORT) }),
    });
    // An error after connect (the member went away) must not crash the daemon: the next query fails instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new Error(`PostgreSQL on ${m.namespace}/${m.pod}, database ${database}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    return client;
  };
}
