// `zpg restore clone --apply` as a task: make sure the source's archive holds
// a commit after the target time (PostgreSQL 13+ refuses to promote when
// recovery ends before its target), plan the clone against the restorable
// window, create the postgresql object, and follow it until the clone is
// Running with a healthy leader.
import * as k8s from '@kubernetes/client-node';
import { planCloneManifest, type CloneEnv, type ClonePlan, type CloneRequest } from '../backups/clone-plan.ts';
import { utc } from '../backups/clone-time.ts';
import type { BackupS3Flags } from '../backups/s3-settings.ts';
import { pgConnector } from '../postgres/connect.ts';
import { PG, statusOf, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { healthy, summary, until, waitFor } from './wait.ts';

export interface CloneTaskRequest {
  kind: 'clone';
  cluster: string;
  to: string;
  time?: string;
  latest?: boolean;
  uid?: string;
  /** a copy of the running source (pg_basebackup from its leader) instead of a restore from backups */
  copy?: boolean;
  /** the clone's namespace when it is not the source's (the task's) */
  toNamespace?: string;
  apply: boolean;
  /** S3 settings from the command line (the console passes none: env and the operator's configuration) */
  s3?: BackupS3Flags;
  operatorConfig?: string;
}

/** A clone restores a whole cluster: the default 3 minutes of the other tasks is too short to wait for it. */
export const CLONE_TIMEOUT_MS = 600_000;

async function superuserPassword(kc: k8s.KubeConfig, namespace: string, cluster: string): Promise<string> {
  const s = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace, name: `postgres.${cluster}.credentials.postgresql.acid.zalan.do` });
  return Buffer.from(s.data?.password ?? '', 'base64').toString('utf8');
}

/**
 * A commit and a WAL switch on the source's leader, then wait until that segment is archived: recovery then
 * has a commit after any time up to now. Answers the leader's clock just before the commit.
 */
export async function markThePresent(env: TaskEnv, cluster: string, timeoutMs: number, step: Parameters<typeof until>[0]): Promise<{ at: Date; segment: string; leader: string }> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace: env.namespace, labelSelector: `cluster-name=${cluster},spilo-role=master` });
  const leader = pods.items.find((p) => !p.metadata?.deletionTimestamp);
  if (!leader?.metadata?.name) throw new Error(`${cluster} has no leader pod to write the marker on`);
  const connect = pgConnector(env.kc);
  const client = await connect({ namespace: env.namespace, pod: leader.metadata.name, podIP: leader.status?.podIP }, { user: 'postgres', password: await superuserPassword(env.kc, env.namespace, cluster) });
  try {
    const [{ now }] = (await client.query<{ now: Date }>('select clock_timestamp() as now')).rows;
    await client.query('select txid_current()');
    // S3 lists LastModified in whole seconds: switched within the mark's own second, the segment would be
    // listed before the mark and the window would end before it. The switch waits for the next second.
    await client.query(`select pg_sleep(greatest(0, extract(epoch from date_trunc('second', $1::timestamptz) + interval '1 second' - clock_timestamp())))`, [now]);
    const [{ seg }] = (await client.query<{ seg: string }>('select pg_walfile_name(pg_switch_wal()) as seg')).rows;
    await until(step, `${seg} archived by ${leader.metadata.name}`, async () => {
      const [{ last }] = (await client.query<{ last: string | null }>('select last_archived_wal as last from pg_stat_archiver')).rows;
      return last !== null && last.slice(8) >= seg.slice(8);
    }, timeoutMs);
    return { at: now, segment: seg, leader: leader.metadata.name };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function planCloneTask(env: TaskEnv, req: CloneTaskRequest, first: ClonePlan, timeoutMs: number): TaskPlan {
  const ns = env.namespace;
  let plan = first;
  const cloneEnv: CloneEnv = { kc: env.kc, namespace: ns, ...(req.s3 ? { s3Flags: req.s3 } : {}), ...(req.operatorConfig ? { operatorConfig: req.operatorConfig } : {}) };
  const cloneReq: CloneRequest = { cluster: req.cluster, namespace: ns, to: req.to, ...(req.time ? { time: req.time } : {}), ...(req.latest ? { latest: true } : {}), ...(req.uid ? { uid: req.uid } : {}), ...(req.copy ? { copy: true } : {}), ...(req.toNamespace ? { toNamespace: req.toNamespace } : {}) };
  const describe = (p: ClonePlan) =>
    p.baseBackup && p.walRange
      ? `${p.said}; base backup ${p.baseBackup.id} (uploaded ${p.baseBackup.modified}), WAL ${p.walRange.from} → ${p.walRange.to} (timeline ${p.walRange.timeline})`
      : `${p.said}: pg_basebackup from its leader`;
  const steps: TaskPlan['steps'] = [];
  // a restore needs a commit after its target in the archive; a copy streams the present itself
  if (req.apply && first.source.live && first.method === 'backup') {
    steps.push({
      name: `archive the present of ${req.cluster} (a commit and a WAL switch)`,
      run: async (s) => {
        try {
          const m = await markThePresent(env, req.cluster, timeoutMs, s);
          // planned again on the archive that now reaches the target: --latest is the mark, a time its WAL range
          plan = await planCloneManifest(req.latest ? { ...cloneEnv, at: m.at } : cloneEnv, cloneReq);
          return `${m.segment} archived by ${m.leader}${req.latest ? `; --latest is ${utc(m.at)}` : ''}`;
        } catch (e) {
          // Without it a time after the last commit cannot be reached; the plan's window check still holds.
          s.skip(`could not: ${e instanceof Error ? e.message : String(e)}; recovery needs a commit after the target time in the archive`);
        }
      },
    });
  }
  steps.push({ name: `plan the clone of ${req.cluster} into ${req.to}`, run: async () => describe(plan) });
  if (req.apply) {
    steps.push({
      name: `create postgresql ${first.namespace}/${req.to}`,
      run: async () => {
        await env.kc.makeApiClient(k8s.CustomObjectsApi).createNamespacedCustomObject({ ...PG, namespace: plan.namespace, body: plan.manifest });
        return `clone.timestamp ${(plan.manifest.spec as { clone: { timestamp: string } }).clone.timestamp}`;
      },
    });
    steps.push({
      name: `wait for ${req.to} to restore and run`,
      run: async (s) => {
        const done = await waitFor({ ...env, namespace: plan.namespace }, req.to, s, (f) => healthy(f) ?? (statusOf(f.pg) === 'Running' ? undefined : `the operator to report Running (now ${statusOf(f.pg) || 'no status'})`), timeoutMs);
        const how = plan.baseBackup && plan.walRange ? `restored to ${plan.instant} from ${plan.baseBackup.id} and WAL up to ${plan.walRange.to}` : 'copied from its leader (pg_basebackup)';
        s.result(`${req.to} is Running: ${req.cluster} ${how}; ${summary(done)}`);
        return `Running; ${summary(done)}`;
      },
    });
  }
  return {
    kind: 'clone',
    cluster: `${ns}/${req.cluster}`,
    title: `${req.copy ? `copy ${req.cluster}` : `clone ${req.cluster} at ${req.latest ? 'the latest point' : first.instant}`} into ${req.to}${req.apply ? '' : ' (plan only)'}`,
    steps,
  };
}

/** prepareTask's case for 'clone': no rollout guard and no facts of the source (it may be deleted). */
export async function prepareCloneTask(env: TaskEnv, req: CloneTaskRequest, timeoutMs: number, defaultTimeoutMs: number) {
  const wait = timeoutMs === defaultTimeoutMs ? Math.max(timeoutMs, CLONE_TIMEOUT_MS) : timeoutMs;
  const first = await planCloneManifest(
    { kc: env.kc, namespace: env.namespace, ...(req.s3 ? { s3Flags: req.s3 } : {}), ...(req.operatorConfig ? { operatorConfig: req.operatorConfig } : {}) },
    { cluster: req.cluster, namespace: env.namespace, to: req.to, ...(req.time ? { time: req.time } : {}), ...(req.latest ? { latest: true } : {}), ...(req.uid ? { uid: req.uid } : {}), ...(req.copy ? { copy: true } : {}), ...(req.toNamespace ? { toNamespace: req.toNamespace } : {}), ...(req.apply ? { applying: true } : {}) },
  );
  return { plan: planCloneTask(env, req, first, wait), destructive: false, clonePlan: first };
}
