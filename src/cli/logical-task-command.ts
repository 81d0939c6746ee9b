// What `zpg backup logical` and `zpg restore logical` share: prepare the task
// (errors become exit codes), the typed confirmation of a restore over an
// existing database (its name, or --yes), the run with Ctrl-C/SIGTERM
// stopping the dump or restore, progress, and -o json. Progress: one line
// rewritten in place on a terminal; elsewhere (CI, a CronJob's log) a line
// every 10 s at most. Exit codes as every task: 0 done, 1 failed, 2 bad
// usage or an unknown name, 3 refused, 130 interrupted.
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { backupS3Flags, type BackupS3Flags } from '../services/backups/s3-settings.ts';
import type { LogicalTaskRequest } from '../services/tasks/logical-tasks.ts';
import type { StepRecord, TaskRecord } from '../services/tasks/types.ts';
import { UsageError } from './errors.ts';
import { EXIT, readOnly, taskJson } from './task-command.ts';

export interface LogicalFlags extends BackupS3Flags {
  yes?: boolean;
  output?: string;
}

export function addS3Flags(cmd: Command): Command {
  return cmd
    .option('--logical-bucket <name>', 'logical backup bucket (default: the operator configuration\'s logical_backup_s3_bucket, env LOGICAL_BACKUP_S3_BUCKET, else the WAL bucket)')
    .option('--logical-prefix <prefix>', 'logical backup key prefix (default: logical_backup_s3_bucket_prefix, "spilo")')
    .option('--bucket <name>', 'WAL bucket, used when no logical bucket is configured (default: wal_s3_bucket, env WAL_S3_BUCKET)')
    .option('--endpoint <url>', 'S3 endpoint (default: logical_backup_s3_endpoint, env AWS_ENDPOINT; AWS when unset)')
    .option('--region <region>', 'S3 region')
    .option('--path-style', 'path-style addressing (default on with a custom endpoint)');
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Step lines; a running step's changing detail is progress. */
function printer(tty: boolean, write: (s: string) => void): { onTask: (t: TaskRecord) => void; end: () => void } {
  const seen = new Map<number, string>();
  let live = false;
  let lastProgress = 0;
  const clear = () => {
    if (live) write('\r\x1b[K');
    live = false;
  };
  const line = (s: StepRecord): string | undefined => {
    const took = s.startedAt && s.endedAt ? ` (${secs(s.endedAt - s.startedAt)})` : '';
    if (s.state === 'done') return `✓ ${s.name}${took}${s.detail ? `: ${s.detail}` : ''}`;
    if (s.state === 'skipped') return `- ${s.name}: skipped, ${s.detail ?? ''}`;
    if (s.state === 'failed') return `✗ ${s.name}${took}: ${s.error ?? 'failed'}`;
    if (s.state === 'waiting') return `  … waiting for ${s.detail ?? 'the cluster'}`;
    return undefined;
  };
  return {
    onTask: (t) =>
      t.steps.forEach((s, i) => {
        if (s.state === 'running') {
          const key = `running:${s.detail ? 'p' : ''}`;
          if (seen.get(i) === undefined) {
            seen.set(i, key);
            write(`→ ${s.name}\n`);
          }
          if (!s.detail) return;
          if (tty) {
            write(`\r\x1b[K  ${s.detail}`);
            live = true;
          } else if (Date.now() - lastProgress >= 10_000) {
            lastProgress = Date.now();
            write(`  ${s.detail}\n`);
          }
          return;
        }
        const text = line(s);
        if (text && seen.get(i) !== text) {
          if (seen.get(i) === undefined && s.state !== 'skipped') write(`→ ${s.name}\n`);
          clear();
          seen.set(i, text);
          write(`${text}\n`);
        }
      }),
    end: clear,
  };
}

async function typed(word: string, title: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${title}\nThis replaces an existing database. Type its name (${word}) to go on: `, resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === word;
  } finally {
    rl.close();
  }
}

/** Runs one logical backup task; returns zpg's exit code. `report` prints the outcome for people. */
export async function runLogicalCommand(cmd: Command, request: LogicalTaskRequest, flags: LogicalFlags, report: (outcome: unknown) => string): Promise<number> {
  const json = flags.output === 'json';
  if (flags.output !== undefined && !json) throw new UsageError(`-o ${flags.output}: unknown output format; use json`);
  const err = (line: string) => process.stderr.write(`zpg: ${line}\n`);
  const [{ prepareLogicalTask }, { runTask, refusedTask }, types, { memberTransports }, { kubeFrom, withKube }] = await Promise.all([
    import('../services/tasks/logical-tasks.ts'),
    import('../services/tasks/runner.ts'),
    import('../services/tasks/types.ts'),
    import('../services/patroni/transports.ts'),
    import('./kube-command.ts'),
  ]);
  const cluster = request.kind === 'logical-backup' ? request.cluster : request.into;
  const refuse = (reason: string) => {
    const t = refusedTask({ kind: request.kind, cluster, title: `${request.kind} ${cluster}` }, reason);
    if (json) process.stdout.write(`${JSON.stringify(taskJson(t), null, 2)}\n`);
    err(`${request.kind} refused: ${reason}`);
    return EXIT.refused;
  };
  // A backup only reads the cluster; a restore writes into one.
  if (request.kind === 'logical-restore') {
    const ro = await readOnly(cmd);
    if (ro) return refuse(`zpg is read-only (${ro}); a logical restore writes into ${cluster}`);
  }
  const k = kubeFrom(cmd);
  const env = { kc: k.kc, namespace: k.namespace, transportFor: memberTransports(k.kc) };
  const prepared = await withKube(k, async () => {
    try {
      return await prepareLogicalTask(env, request, { s3Flags: backupS3Flags(flags) });
    } catch (e) {
      if (e instanceof types.TaskRefused || e instanceof types.UnknownTarget || e instanceof types.BadInput) return e;
      throw e;
    }
  }).catch((e: unknown) => {
    throw e instanceof UsageError ? e : new UsageError(e instanceof Error ? e.message : String(e), EXIT.failed);
  });
  if (prepared instanceof types.TaskRefused) return refuse(prepared.message);
  if (prepared instanceof Error) throw new UsageError(prepared.message, EXIT.usage);
  const { plan, destructive, confirmWord, outcome } = prepared;
  if (destructive && !flags.yes) {
    if (!process.stdin.isTTY) return refuse(`${plan.title}: there is no terminal to confirm it on; pass --yes`);
    if (!(await typed(confirmWord ?? cluster, plan.title))) return refuse('not confirmed: the name typed was not the database name');
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const out = printer(!json && process.stdout.isTTY === true, (s) => process.stdout.write(s));
  if (!json) process.stdout.write(`${plan.title}\n`);
  let task: TaskRecord;
  try {
    task = await runTask(plan, (t) => !json && out.onTask(t), abort.signal);
  } finally {
    out.end();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (json) process.stdout.write(`${JSON.stringify({ ...taskJson(task), ...outcome }, null, 2)}\n`);
  if (task.state === 'done') {
    if (!json) process.stdout.write(`${report(outcome)}${task.result}\n`);
    return EXIT.done;
  }
  err(task.result ?? 'failed');
  return abort.signal.aborted ? EXIT.interrupted : EXIT.failed;
}
