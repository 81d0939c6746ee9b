// SQL to a member from outside the cluster: pg over the lite port-forward to
// :5432, as the cluster's superuser from the operator's credentials Secret.
// Every step has a deadline; the password never leaves this module.
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { PodSocket } from '../kube/lite/port-forward.ts';
import { kubeJson } from '../kube/lite/request.ts';
import type { Sql } from './read.ts';

/** the Zalando operator's name for the superuser's Secret */
export const superuserSecret = (cluster: string) => `postgres.${cluster}.credentials.postgresql.acid.zalan.do`;

interface Credentials {
  user: string;
  password: string;
}

export async function superuserCredentials(k: LiteKube, namespace: string, cluster: string): Promise<Credentials> {
  const s = await kubeJson<{ data?: Record<string, string> }>(k, { path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${superuserSecret(cluster)}`, timeoutMs: 5_000 });
  const field = (f: string) => Buffer.from(s.data?.[f] ?? '', 'base64').toString('utf8');
  if (!field('password')) throw new Error(`Secret ${superuserSecret(cluster)} has no password`);
  return { user: field('username') || 'postgres', password: field('password') };
}

export function sqlConnector(k: LiteKube, namespace: string, creds: Credentials, timeoutMs = 5_000): (member: string) => Promise<Sql> {
  return async (member) => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      user: creds.user,
      password: creds.password,
      database: 'postgres',
      application_name: 'zpg',
      stream: () => new PodSocket(k, namespace, member, 5432, timeoutMs) as never,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    client.on('error', () => {}); // a tunnel dropping after the last query is not news
    await client.connect();
    return { query: async (text) => (await client.query(text)).rows as Record<string, unknown>[], end: () => client.end() };
  };
}
