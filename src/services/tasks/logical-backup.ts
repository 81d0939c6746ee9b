// The logical backup task: pick the member (the leader, or a streaming
// replica with --replica, as Zalando's dump.sh prefers), stream pg_dumpall or
// a set of pg_dumps into the cluster's logical_backups/ folder, then apply the
// retention when one is configured. The console and `zpg backup logical` run
// the same plan; its outcome (the backup) is kept for -o json.
import type * as k8s from '@kubernetes/client-node';
import { openPgEndpoint, pgBinDir, superuserCredentials } from '../backups/logical-endpoint.ts';
import { takeLogicalBackup, type DumpProgress } from '../backups/logical-dump.ts';
import { listLogicalBackups, type LogicalBackup } from '../backups/logical-list.ts';
import { logicalStore, NoLogicalBucket, type LogicalStore } from '../backups/logical-location.ts';
import { deleteLogicalBackup, expiredBackups, parseRetention, type Retention } from '../backups/logical-retention.ts';
import { findOperatorConfig } from '../backups/s3-sources.ts';
import type { BackupS3Flags } from '../backups/s3-settings.ts';
import { isLeaderRole } from '../patroni/types.ts';
import { bytes } from '../bytes.ts';
import { leaderOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { StepHandle, TaskPlan } from './runner.ts';
import { BadInput, TaskRefused } from './types.ts';

export interface LogicalBackupRequest {
  format?: 'dumpall' | 'set';
  /** dump from a streaming replica */
  replica?: boolean;
  /** overrides the manifest's logicalBackupRetention and the configuration's */
  retention?: string;
}

export interface LogicalTaskOptions {
  s3Flags?: BackupS3Flags;
  env?: NodeJS.ProcessEnv;
}

export interface LogicalBackupOutcome {
  backup?: LogicalBackup & { bucket: string };
  member?: string;
  deleted: string[];
  retention: string | null;
}

type Spec = { env?: k8s.V1EnvVar[]; logicalBackupRetention?: string; postgresql?: { version?: string } };
const specOf = (f: ClusterFacts) => (f.pg.spec ?? {}) as Spec;


/** Step notes at most twice a second: enough for a live line, little for the store. */
export function progressNotes(step: StepHandle, line: (elapsedS: number) => string, everyMs = 500): () => void {
  const started = Date.now();
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    step.note(line(Math.max(0.001, (now - started) / 1000)));
  };
}

/** The member to dump: the leader, or with `replica` the streaming replica with the least lag. */
export function dumpMember(f: ClusterFacts, replica: boolean): { pod: k8s.V1Pod; role: string } {
  const running = (p: k8s.V1Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
  if (!replica) {
    const leader = leaderOf(f);
    const pod = f.pods.find((p) => p.metadata?.name === leader && running(p));
    if (!pod) throw new TaskRefused(`${f.name} has no running leader${f.patroniError ? ` (${f.patroniError})` : ''}; a logical backup needs one (or --replica)`);
    return { pod, role: 'leader' };
  }
  const streaming = (f.patroni?.members ?? []).filter((m) => !isLeaderRole(m.role) && ['streaming', 'running'].includes(m.state)).sort((a, b) => (a.lagBytes ?? 0) - (b.lagBytes ?? 0));
  const pod = streaming.map((m) => f.pods.find((p) => p.metadata?.name === m.name && running(p))).find(Boolean);
  if (!pod) throw new TaskRefused(`${f.name} has no streaming replica to dump from; leave out --replica to dump the leader`);
  return { pod, role: 'replica' };
}

async function resolveRetention(env: TaskEnv, f: ClusterFacts, req: LogicalBackupRequest, processEnv: NodeJS.ProcessEnv): Promise<{ retention?: Retention; from: string }> {
  const candidates: [string | undefined, string][] = [
    [req.retention, '--retention'],
    [specOf(f).logicalBackupRetention, 'spec.logicalBackupRetention'],
    [processEnv.LOGICAL_BACKUP_S3_RETENTION_TIME, 'env LOGICAL_BACKUP_S3_RETENTION_TIME'],
  ];
  for (const [value, from] of candidates) {
    if (value?.trim()) {
      try {
        return { retention: parseRetention(value, from), from };
      } catch (e) {
        throw new BadInput((e as Error).message);
      }
    }
  }
  const found = await findOperatorConfig(env.kc).catch(() => undefined);
  const value = found && 'config' in found ? found.config.logical_backup_s3_retention_time : undefined;
  if (typeof value === 'string' && value.trim()) {
    try {
      return { retention: parseRetention(value, 'logical_backup_s3_retention_time'), from: 'logical_backup_s3_retention_time' };
    } catch (e) {
      throw new BadInput((e as Error).message);
    }
  }
  return { from: 'none' };
}

export async function planLogicalBackup(env: TaskEnv, f: ClusterFacts, req: LogicalBackupRequest, o: LogicalTaskOptions = {}): Promise<{ plan: TaskPlan; outcome: LogicalBackupOutcome }> {
  const processEnv = o.env ?? process.env;
  const format = req.format ?? 'set';
  if (format !== 'set' && format !== 'dumpall') throw new BadInput(`--format ${String(format)}: use set (pg_dump per database + globals) or dumpall (Zalando's .sql.gz)`);
  const uid = f.pg.metadata?.uid ?? '';
  const { pod, role } = dumpMember(f, req.replica === true);
  let store: LogicalStore;
  try {
    store = await logicalStore(env.kc, { namespace: f.namespace, cluster: f.name, uid, spec: specOf(f), flags: o.s3Flags, env: processEnv });
  } catch (e) {
    if (e instanceof NoLogicalBucket) throw new BadInput(e.message);
    throw e;
  }
  const { retention, from } = await resolveRetention(env, f, req, processEnv);
  const member = pod.metadata!.name!;
  const outcome: LogicalBackupOutcome = { member, deleted: [], retention: retention ? `${retention.text} (${from})` : null };
  const major = Number.parseInt(specOf(f).postgresql?.version ?? '', 10) || undefined;
  const what = format === 'set' ? 'pg_dump of every database + globals' : "pg_dumpall | gzip (Zalando's format)";
  const plan: TaskPlan = {
    kind: 'logical-backup',
    cluster: `${f.namespace}/${f.name}`,
    member,
    title: `logical backup of ${f.name} (${format}) from ${member} to s3://${store.bucket}/${store.dir}`,
    steps: [
      {
        name: `${what} from ${member} (${role}) to S3`,
        run: async (step) => {
          const creds = await superuserCredentials(env.kc, f.namespace, f.name, processEnv);
          const endpoint = await openPgEndpoint(env.kc, { namespace: f.namespace, pod: member, podIP: pod.status?.podIP }, processEnv);
          let p: DumpProgress = { part: '', raw: 0, stored: 0 };
          const tick = progressNotes(step, (s) => `${p.part}: ${bytes(p.raw)} dumped, ${bytes(p.stored)} stored, ${bytes(p.raw / s)}/s`);
          try {
            const b = await takeLogicalBackup(
              { host: endpoint.host, port: endpoint.port, user: creds.user, password: creds.password, binDir: pgBinDir(major, processEnv) },
              store,
              {
                format,
                cluster: f.name,
                uid,
                signal: step.signal,
                onProgress: (next) => {
                  p = next;
                  tick();
                },
              },
            );
            outcome.backup = { ...b, bucket: store.bucket };
            step.result(`logical backup ${b.id} of ${f.name}: ${bytes(b.size)} in s3://${store.bucket}/${b.key}`);
            return `${b.id}: ${bytes(p.raw)} dumped, ${bytes(b.size)} stored${b.databases ? ` (${b.databases.join(', ')})` : ''}`;
          } finally {
            await endpoint.close();
          }
        },
      },
      {
        name: 'retention',
        run: async (step) => {
          if (!retention) return step.skip('no retention configured (logicalBackupRetention, logical_backup_s3_retention_time): every backup is kept');
          const r = { s3: store.s3, bucket: store.bucket, requests: 0 };
          const all = await listLogicalBackups(r, store.dir.slice(0, -'logical_backups/'.length));
          const expired = expiredBackups(all, retention);
          for (const b of expired) {
            step.note(`deleting ${b.id}`);
            await deleteLogicalBackup(r, b);
            outcome.deleted.push(b.id);
          }
          return `${retention.text} (${from}): kept ${all.length - expired.length}, deleted ${expired.length}${expired.length ? ` (${expired.map((b) => b.id).join(', ')})` : ''}`;
        },
      },
    ],
  };
  return { plan, outcome };
}
