// A client that writes through a switchover, as an application would: it
// inserts a row every `everyMs` into whichever member leads (it reconnects and
// checks pg_is_in_recovery() after any error), and remembers what the leader
// acknowledged and the longest time between two acknowledgements. Shared by
// the rollout test and BENCH=rollout, which judge the same writes.
import pg from 'pg';

export interface LeaderWriter {
  /** ids the leader acknowledged, in order */
  acked: number[];
  readonly longestGapMs: number;
  stop(): Promise<void>;
}

/** `table` must exist with an `id bigint` column; `leaderIp` answers the leading member's address, if any. */
export function startLeaderWriter(o: { leaderIp: () => Promise<string | undefined>; password: string; table: string; everyMs?: number }): LeaderWriter {
  const acked: number[] = [];
  let next = 1;
  let stop = false;
  let lastAck = Date.now();
  let longestGapMs = 0;
  const loop = (async () => {
    let client: pg.Client | undefined;
    while (!stop) {
      try {
        if (!client) {
          const host = await o.leaderIp();
          if (!host) throw new Error('no leader');
          const c = new pg.Client({ host, port: 5432, user: 'postgres', password: o.password, database: 'postgres', connectionTimeoutMillis: 2_000, query_timeout: 3_000 });
          c.on('error', () => undefined);
          await c.connect();
          if ((await c.query<{ ro: boolean }>('select pg_is_in_recovery() as ro')).rows[0]!.ro) {
            await c.end().catch(() => undefined);
            throw new Error('not the leader');
          }
          client = c;
        }
        const id = next++;
        await client.query(`insert into ${o.table}(id) values ($1)`, [id]);
        acked.push(id);
        const t = Date.now();
        longestGapMs = Math.max(longestGapMs, t - lastAck);
        lastAck = t;
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
      }
      await new Promise((r) => setTimeout(r, o.everyMs ?? 50));
    }
    await client?.end().catch(() => undefined);
  })();
  return {
    acked,
    get longestGapMs() {
      return longestGapMs;
    },
    async stop() {
      stop = true;
      await loop;
    },
  };
}

