// What every day-2 task command shares: the flags (--yes, --dry-run, -o json,
// --timeout), the read-only guard, the typed confirmation of destructive
// tasks, the printing of each step as it changes, and the exit codes:
// 0 done, 1 failed, 2 bad usage or an unknown name, 3 refused, 130 interrupted.
import type { Command } from 'commander';
import { parseDuration } from '../operator/config/duration.ts';
import type { TaskRequest } from '../services/tasks/prepare.ts';
import type { StepRecord, TaskRecord } from '../services/tasks/types.ts';
import { UsageError } from './errors.ts';
import type { GlobalFlags } from './global-flags.ts';

export const EXIT = { done: 0, failed: 1, usage: 2, refused: 3, interrupted: 130 } as const;

export interface TaskFlags {
  yes?: boolean;
  dryRun?: boolean;
  output?: string;
  timeout?: string;
}

export function addTaskFlags(cmd: Command): Command {
  return cmd
    .option('-y, --yes', 'do not ask; needed for a destructive task without a terminal')
    .option('--dry-run', 'say what would happen, change nothing')
    .option('-o, --output <format>', 'json: one stable JSON record of the task when it ends')
    .option('--timeout <duration>', 'how long each wait may take (e.g. 90s, 5m)', '3m');
}

/** --read-only on the command line, or readOnly: true in the user's config file. */
export async function readOnly(cmd: Command): Promise<string | undefined> {
  if (cmd.optsWithGlobals<GlobalFlags & { readOnly?: boolean }>().readOnly) return '--read-only';
  const { loadUserConfig, UserConfigError } = await import('../services/config/user-config.ts');
  try {
    const c = loadUserConfig();
    return c.readOnly ? `readOnly: true in ${c.file}` : undefined;
  } catch (e) {
    if (e instanceof UserConfigError) throw new UsageError(e.message, 2);
    throw e;
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** One line per change a reader cares about: a step starting, waiting for something new, ending. */
export function stepPrinter(write: (line: string) => void): (t: TaskRecord) => void {
  const seen = new Map<number, string>();
  return (t) => {
    t.steps.forEach((s, i) => {
      const line = stepLine(s);
      if (line && seen.get(i) !== line) {
        seen.set(i, line);
        write(line);
      }
    });
  };
}

function stepLine(s: StepRecord): string | undefined {
  const took = s.startedAt && s.endedAt ? ` (${secs(s.endedAt - s.startedAt)})` : '';
  switch (s.state) {
    case 'pending':
      return undefined;
    case 'running':
      return `→ ${s.name}${s.detail ? `: ${s.detail}` : ''}`;
    case 'waiting':
      return `  … waiting for ${s.detail ?? 'the cluster'}`;
    case 'done':
      return `✓ ${s.name}${took}${s.detail ? `: ${s.detail}` : ''}`;
    case 'skipped':
      return `- ${s.name}: skipped, ${s.detail ?? ''}`;
    case 'failed':
      return `✗ ${s.name}${took}: ${s.error ?? 'failed'}`;
  }
}

/** The stable JSON shape for scripts (README "Day-2 tasks"). */
export function taskJson(t: TaskRecord) {
  return {
    kind: t.kind,
    cluster: t.cluster,
    member: t.member ?? null,
    title: t.title,
    state: t.state,
    dryRun: t.dryRun === true,
    result: t.result ?? null,
    startedAt: new Date(t.startedAt).toISOString(),
    elapsedMs: (t.endedAt ?? Date.now()) - t.startedAt,
    steps: t.steps.map((s) => ({
      name: s.name,
      state: s.state,
      detail: s.detail ?? null,
      error: s.error ?? null,
      elapsedMs: s.startedAt ? (s.endedAt ?? Date.now()) - s.startedAt : null,
    })),
  };
}

async function confirm(cluster: string, title: string): Promise<boolean> {
  // readline on use: zpg psql shares this module and never asks (~2.5 ms of its start)
  const { createInterface } = process.getBuiltinModule('node:readline');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${title}\nThis is destructive. Type the cluster name (${cluster}) to go on: `, resolve);
      rl.once('close', () => resolve(''));
    });
    return answer.trim() === cluster;
  } finally {
    rl.close();
  }
}

/** Parses, guards, confirms, runs and prints one task; returns zpg's exit code. */
export async function runTaskCommand(cmd: Command, request: TaskRequest, flags: TaskFlags): Promise<number> {
  const json = flags.output === 'json';
  if (flags.output !== undefined && !json) throw new UsageError(`-o ${flags.output}: unknown output format; use json`);
  const timeoutMs = parseDuration(flags.timeout ?? '3m');
  if (!timeoutMs) throw new UsageError(`--timeout ${flags.timeout}: not a duration; use e.g. 90s or 5m`);
  const err = (line: string) => process.stderr.write(`zpg: ${line}\n`);
  const [{ prepareTask }, { runTask, refusedTask, dryRunTask }, types, { memberTransports }, { kubeFrom, withKube }, { createZpgStore }] = await Promise.all([
    import('../services/tasks/prepare.ts'),
    import('../services/tasks/runner.ts'),
    import('../services/tasks/types.ts'),
    import('../services/patroni/transports.ts'),
    import('./kube-command.ts'),
    import('../store/store.ts'),
  ]);
  const refuse = (reason: string, member?: string) => {
    const t = refusedTask({ kind: request.kind, cluster: request.cluster, member, title: `${request.kind} ${request.cluster}` }, reason);
    if (json) process.stdout.write(`${JSON.stringify(taskJson(t), null, 2)}\n`);
    err(`${request.kind} refused: ${reason}`);
    return EXIT.refused;
  };
  const ro = await readOnly(cmd);
  if (ro) return refuse(`zpg is read-only (${ro}); ${request.kind} changes the cluster`);
  const k = kubeFrom(cmd);
  const env = { kc: k.kc, namespace: k.namespace, transportFor: memberTransports(k.kc) };
  let prepared;
  try {
    prepared = await withKube(k, async () => {
      try {
        return await prepareTask(env, request, timeoutMs);
      } catch (e) {
        if (e instanceof types.TaskRefused || e instanceof types.UnknownTarget || e instanceof types.BadInput) return e;
        throw e;
      }
    });
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError(e instanceof Error ? e.message : String(e), 1);
  }
  if (prepared instanceof types.TaskRefused) return refuse(prepared.message);
  if (prepared instanceof Error) throw new UsageError(prepared.message, EXIT.usage);
  const { plan, destructive } = prepared;
  const store = createZpgStore({ name: k.context, namespace: k.namespace, allNamespaces: false });
  if (flags.dryRun) {
    const t = dryRunTask(plan);
    if (json) process.stdout.write(`${JSON.stringify(taskJson(t), null, 2)}\n`);
    else process.stdout.write(`${t.result}${destructive ? ' (destructive: asks for the cluster name unless --yes)' : ''}\nsteps:\n${plan.steps.map((s, i) => `  ${i + 1}. ${s.name}`).join('\n')}\n`);
    return EXIT.done;
  }
  if (destructive && !flags.yes) {
    if (!process.stdin.isTTY) return refuse(`${plan.title} is destructive and there is no terminal to confirm it on; pass --yes`);
    if (!(await confirm(request.cluster, plan.title))) return refuse('not confirmed: the name typed was not the cluster name');
  }
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const print = stepPrinter((line) => process.stdout.write(`${line}\n`));
  if (!json) process.stdout.write(`${plan.title}\n`);
  let task: TaskRecord;
  try {
    task = await runTask(plan, (t) => {
      store.getState().setTask(t);
      if (!json) print(t);
    }, abort.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  if (json) process.stdout.write(`${JSON.stringify(taskJson(task), null, 2)}\n`);
  if (task.state === 'done') {
    if (!json) process.stdout.write(`${task.result}\n`);
    return EXIT.done;
  }
  const again = request.kind === 'recreate-member' ? `; run the same command again to continue` : '';
  err(`${task.result ?? 'failed'}${abort.signal.aborted ? again : ''}`);
  return abort.signal.aborted ? EXIT.interrupted : EXIT.failed;
}

/** Ends zpg with a code and nothing more to say (the task already said it): main() returns the code. */
export class SilentExit extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.exitCode = exitCode;
  }
}

export function exitWith(code: number): void {
  if (code !== 0) throw new SilentExit(code);
}
