// Logging in to a member over TCP as an application would. The sandbox members
// carry Spilo's pg_hba (only the socket is trusted; every TCP client, loopback
// included, gives a password), so a wrong password fails here as in a pod.
import pg from 'pg';

export interface Login {
  host: string;
  user: string;
  password: string;
  database?: string;
  port?: number;
}

/** Logs in, runs `sql`, answers the rows; rejects with the server's message (e.g. "password authentication failed"). */
export async function loginQuery(l: Login, sql = 'select current_user as u', params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ host: l.host, port: l.port ?? 5432, user: l.user, password: l.password, database: l.database ?? 'postgres', connectionTimeoutMillis: 5000 });
  c.on('error', () => undefined); // a backend going away between queries must not crash the test process
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as Record<string, unknown>[];
  } finally {
    await c.end().catch(() => undefined);
  }
}
