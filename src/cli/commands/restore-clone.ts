// `zpg restore clone SOURCE --to NEW (--time T | --latest | --copy)`: a new
// cluster restored from SOURCE's base backups and WAL in S3, as Zalando's clone
// does, or (--copy) copied from the running SOURCE with pg_basebackup.
// Without --apply it prints the manifest (stdout) and what the restore will
// use (stderr), so `... | kubectl apply -f -` works; with --apply it creates
// the clone and follows it until it runs, as a task.
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { addTaskFlags, exitWith, runTaskCommand, type TaskFlags } from '../task-command.ts';

interface CloneFlags extends TaskFlags {
  to?: string;
  time?: string;
  latest?: boolean;
  copy?: boolean;
  toNamespace?: string;
  uid?: string;
  apply?: boolean;
  bucket?: string;
  endpoint?: string;
  region?: string;
  pathStyle?: boolean;
  operatorConfig?: string;
}

export function registerRestoreClone(restore: Command): void {
  addTaskFlags(
    restore
      .command('clone <source>')
      .description('a new cluster from SOURCE\'s base backups and WAL in S3, at a time inside its restorable window (Zalando\'s spec.clone)')
      .requiredOption('--to <name>', 'the new cluster\'s name')
      .option('--to-namespace <ns>', 'create the new cluster in this namespace (default: the source\'s, -n)')
      .option('--time <time>', 'restore to this time: RFC 3339 with an offset or Z, or "YYYY-MM-DD HH:MM[:SS]" in this machine\'s local time')
      .option('--latest', 'restore to the latest point: with --apply and a live source, the present (archived first); else the end of the window')
      .option('--copy', 'a copy of the running SOURCE as it is when NEW starts, streamed from its leader (pg_basebackup; no backups needed)')
      .option('--uid <uid>', 'the source\'s uid: a deleted cluster (zpg backups --deleted lists them)')
      .option('--apply', 'create the clone through the Kubernetes API and follow it until it runs')
      .option('--bucket <name>', 'WAL bucket (default: env WAL_S3_BUCKET, the source\'s spec.env, the operator\'s wal_s3_bucket)')
      .option('--endpoint <url>', 'S3 endpoint (default: env AWS_ENDPOINT, the source\'s spec.env, the operator\'s configuration; AWS when none)')
      .option('--region <region>', 'S3 region')
      .option('--path-style', 'path-style addressing (default on with a custom endpoint)')
      .option('--operator-config <ref>', 'read S3 settings from this operator configuration: NS/NAME (ConfigMap) or operatorconfiguration/NS/NAME'),
  ).action(async (source: string, flags: CloneFlags, cmd: Command) => {
    const s3 = { bucket: flags.bucket, endpoint: flags.endpoint, region: flags.region, pathStyle: flags.pathStyle };
    const s3Flags = Object.values(s3).some((v) => v !== undefined) ? Object.fromEntries(Object.entries(s3).filter(([, v]) => v !== undefined)) : undefined;
    const request = {
      kind: 'clone' as const,
      cluster: source,
      to: flags.to!,
      ...(flags.time ? { time: flags.time } : {}),
      ...(flags.latest ? { latest: true } : {}),
      ...(flags.copy ? { copy: true } : {}),
      ...(flags.toNamespace ? { toNamespace: flags.toNamespace } : {}),
      ...(flags.uid ? { uid: flags.uid } : {}),
      apply: flags.apply === true,
      ...(s3Flags ? { s3: s3Flags } : {}),
      ...(flags.operatorConfig ? { operatorConfig: flags.operatorConfig } : {}),
    };
    if (flags.apply) return exitWith(await runTaskCommand(cmd, request, flags));
    await printPlan(cmd, request, flags.output);
  });
}

async function printPlan(cmd: Command, req: { cluster: string; to: string; time?: string; latest?: boolean; copy?: boolean; toNamespace?: string; uid?: string; s3?: Record<string, unknown>; operatorConfig?: string }, output: string | undefined): Promise<void> {
  const format = output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError(`-o ${output}: unknown output format; use yaml or json (the manifest), or --apply`);
  const [{ planCloneManifest }, { BadInput }, { kubeFrom, withKube }] = await Promise.all([
    import('../../services/backups/clone-plan.ts'),
    import('../../services/tasks/types.ts'),
    import('../kube-command.ts'),
  ]);
  const k = kubeFrom(cmd);
  const plan = await withKube(k, async () => {
    try {
      return await planCloneManifest({ kc: k.kc, namespace: k.namespace, ...(req.s3 ? { s3Flags: req.s3 } : {}), ...(req.operatorConfig ? { operatorConfig: req.operatorConfig } : {}) }, { ...req, namespace: k.namespace });
    } catch (e) {
      if (e instanceof BadInput) throw new UsageError(e.message, 2);
      if (e instanceof Error && e.message.startsWith('--operator-config')) throw new UsageError(e.message, 2);
      throw e;
    }
  });
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`clone of ${plan.source.namespace}/${plan.source.cluster} (uid ${plan.source.uid}${plan.source.live ? '' : ', deleted'}) into ${plan.namespace === plan.source.namespace ? req.to : `${plan.namespace}/${req.to}`}`);
  say(`time:        ${plan.said}`);
  if (plan.window) say(`window:      ${plan.window.from} → ${plan.window.to}`);
  if (plan.baseBackup) say(`base backup: ${plan.baseBackup.id} (finished ${plan.baseBackup.finishTime}, uploaded ${plan.baseBackup.modified}: the newest uploaded before the time)`);
  if (plan.walRange) say(`WAL:         ${plan.walRange.from} → ${plan.walRange.to} (timeline ${plan.walRange.timeline})`);
  say(`store:       ${plan.store}`);
  for (const n of plan.notes) say(`note:        ${n}`);
  const point = req.copy ? '--copy' : req.time ? `--time '${req.time}'` : '--latest';
  say(`apply with:  zpg restore clone ${req.cluster} --to ${req.to}${req.toNamespace ? ` --to-namespace ${req.toNamespace}` : ''} ${point}${req.uid ? ` --uid ${req.uid}` : ''} --apply   (or pipe this manifest to kubectl apply -f -)`);
  process.stdout.write(format === 'json' ? `${JSON.stringify(plan.manifest, null, 2)}\n` : plan.yaml);
}
