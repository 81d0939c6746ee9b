// The logical restore task: one database of a logical backup (a set's
// pg_dump -Fc file, or its section of Zalando's pg_dumpall .sql.gz) into a
// new database of the target cluster's leader, named
// <db>_restored_<yyyymmddhhmm of the backup> unless given. An existing
// database is refused unless `force` (the CLI then asks for its name, or
// --yes). Ends with an exact row count of every table.
import * as k8s from '@kubernetes/client-node';
import { openPgEndpoint, pgBinDir, superuserCredentials, type PgEndpoint } from '../backups/logical-endpoint.ts';
import type { DumpSource } from '../backups/logical-dump.ts';
import { listLogicalBackups, type LogicalBackup } from '../backups/logical-list.ts';
import { logicalStore, NoLogicalBucket } from '../backups/logical-location.ts';
import { countRows, createDatabase, databaseExists, readSetManifest, restoreLogical, type TableRows } from '../backups/logical-restore.ts';
import { PG, leaderOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import { bytes } from '../bytes.ts';
import { progressNotes, type LogicalTaskOptions } from './logical-backup.ts';
import type { TaskPlan } from './runner.ts';
import { BadInput, TaskRefused, UnknownTarget } from './types.ts';

export interface LogicalRestoreRequest {
  /** the source cluster (live, or deleted with uid) */
  cluster: string;
  backup: string;
  database?: string;
  into: string;
  targetDb?: string;
  force?: boolean;
  uid?: string;
  noOwner?: boolean;
}

export interface LogicalRestoreOutcome {
  source: { cluster: string; uid: string; backup: string; kind: string; database: string };
  target: { cluster: string; member: string; database: string; replaced: boolean };
  tables: TableRows[];
}

/** "1 table", "2 tables" */
const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
const stamp = (iso: string) => iso.replace(/[-:T]/g, '').slice(0, 12);

/** The source's uid: --uid, else its live postgresql object's. */
async function sourceOf(env: TaskEnv, name: string, uid: string | undefined): Promise<{ uid: string; spec?: { env?: k8s.V1EnvVar[] } }> {
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  const pg = (await custom.getNamespacedCustomObject({ ...PG, namespace: env.namespace, name }).catch((e: unknown) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e)))) as
    | { metadata?: { uid?: string }; spec?: { env?: k8s.V1EnvVar[] } }
    | undefined;
  if (uid !== undefined) return { uid, spec: pg?.metadata?.uid === uid ? pg.spec : undefined };
  if (!pg) throw new UnknownTarget(`cluster "${name}" not found in namespace ${env.namespace}; for a deleted cluster's backups pass --uid (see zpg backups --deleted)`);
  return { uid: pg.metadata?.uid ?? '', spec: pg.spec };
}

export function pickBackup(all: LogicalBackup[], id: string, cluster: string): LogicalBackup {
  if (!all.length) throw new UnknownTarget(`no logical backups of ${cluster}; take one with zpg backup logical ${cluster}`);
  const b = id === 'latest' ? all.at(-1) : all.find((x) => x.id === id || x.id === id.replace(/\/$/, ''));
  if (!b) throw new UnknownTarget(`backup "${id}" not found for ${cluster}; its logical backups: ${all.slice(-10).map((x) => x.id).join(', ')} (or --backup latest)`);
  return b;
}

export async function planLogicalRestore(env: TaskEnv, target: ClusterFacts, req: LogicalRestoreRequest, o: LogicalTaskOptions = {}): Promise<{ plan: TaskPlan; outcome: LogicalRestoreOutcome; destructive: boolean; confirmWord: string }> {
  const processEnv = o.env ?? process.env;
  const source = await sourceOf(env, req.cluster, req.uid);
  let store;
  try {
    store = await logicalStore(env.kc, { namespace: env.namespace, cluster: req.cluster, uid: source.uid, spec: source.spec, flags: o.s3Flags, env: processEnv });
  } catch (e) {
    if (e instanceof NoLogicalBucket) throw new BadInput(e.message);
    throw e;
  }
  const r = { s3: store.s3, bucket: store.bucket, requests: 0 };
  const backup = pickBackup(await listLogicalBackups(r, store.dir.slice(0, -'logical_backups/'.length)), req.backup, req.cluster);
  let database = req.database;
  if (!database) {
    if (backup.kind === 'logical-dumpall') throw new BadInput(`--database is needed for ${backup.id}: a pg_dumpall backup holds every database (name one, e.g. --database postgres)`);
    const names = (await readSetManifest(r, backup)).databases.map((d) => d.name);
    const own = names.filter((n) => n !== 'postgres');
    if (own.length === 1 || names.length === 1) database = own[0] ?? names[0];
    else throw new BadInput(`--database is needed: backup ${backup.id} holds ${names.join(', ')}`);
  } else if (backup.databases && !backup.databases.includes(database)) {
    throw new UnknownTarget(`database "${database}" is not in backup ${backup.id}; it holds: ${backup.databases.join(', ')}`);
  }
  const targetDb = req.targetDb ?? `${database}_restored_${stamp(backup.time)}`;
  if (!targetDb || Buffer.byteLength(targetDb) > 63) throw new BadInput(`--target-db ${targetDb}: a database name has 1 to 63 bytes`);
  const leader = leaderOf(target);
  const pod = target.pods.find((p) => p.metadata?.name === leader && p.status?.phase === 'Running');
  if (!leader || !pod) throw new TaskRefused(`${target.name} has no running leader${target.patroniError ? ` (${target.patroniError})` : ''}; a restore needs one`);
  const creds = await superuserCredentials(env.kc, target.namespace, target.name, processEnv);
  const major = Number.parseInt(String((target.pg.spec as { postgresql?: { version?: string } } | undefined)?.postgresql?.version ?? ''), 10) || undefined;
  const open = async (): Promise<{ endpoint: PgEndpoint; src: DumpSource }> => {
    const endpoint = await openPgEndpoint(env.kc, { namespace: target.namespace, pod: leader, podIP: pod.status?.podIP }, processEnv);
    return { endpoint, src: { host: endpoint.host, port: endpoint.port, user: creds.user, password: creds.password, binDir: pgBinDir(major, processEnv) } };
  };
  const probe = await open();
  const exists = await databaseExists(probe.src, targetDb).finally(() => probe.endpoint.close());
  if (exists && !req.force) {
    throw new TaskRefused(`database "${targetDb}" already exists on ${target.name}; pick another with --target-db, or replace it with --force (asks you to type its name, or --yes)`);
  }
  const outcome: LogicalRestoreOutcome = {
    source: { cluster: req.cluster, uid: source.uid, backup: backup.id, kind: backup.kind, database },
    target: { cluster: target.name, member: leader, database: targetDb, replaced: exists },
    tables: [],
  };
  let conn: { endpoint: PgEndpoint; src: DumpSource } | undefined;
  const close = async () => {
    await conn?.endpoint.close();
    conn = undefined;
  };
  const plan: TaskPlan = {
    kind: 'logical-restore',
    cluster: `${target.namespace}/${target.name}`,
    member: leader,
    title: `restore ${database} from ${req.cluster} backup ${backup.id} into ${target.name} as database ${targetDb}${exists ? ' (replacing it)' : ''}`,
    steps: [
      {
        name: `${exists ? 'drop and re-create' : 'create'} database ${targetDb} on ${leader}`,
        run: async () => {
          conn = await open();
          try {
            await createDatabase(conn.src, targetDb, exists);
          } catch (e) {
            await close();
            throw e;
          }
        },
      },
      {
        name: `${backup.kind === 'logical-set' ? 'pg_restore' : 'psql'} from s3://${store.bucket}/${backup.key}`,
        run: async (step) => {
          let read = 0;
          let total: number | undefined;
          const tick = progressNotes(step, (s) => `${bytes(read)}${total ? ` of ${bytes(total)} (${Math.floor((100 * read) / total)}%)` : ''}, ${bytes(read / s)}/s`);
          try {
            const done = await restoreLogical(r, backup, conn!.src, {
              database: database!,
              targetDb,
              noOwner: req.noOwner,
              signal: step.signal,
              onProgress: (n, t) => {
                read = n;
                total = t;
                tick();
              },
            });
            return `${bytes(done.bytes)} read`;
          } catch (e) {
            await close();
            throw e;
          }
        },
      },
      {
        name: `count the rows of every table in ${targetDb}`,
        run: async (step) => {
          try {
            outcome.tables = await countRows(conn!.src, targetDb);
          } finally {
            await close();
          }
          const rows = outcome.tables.reduce((n, t) => n + t.rows, 0);
          const counted = `${count(outcome.tables.length, 'table')}, ${count(rows, 'row')}`;
          step.result(`restored ${database} (${backup.id}) into ${target.name}/${targetDb}: ${counted}`);
          return counted;
        },
      },
    ],
  };
  return { plan, outcome, destructive: exists, confirmWord: targetDb };
}
