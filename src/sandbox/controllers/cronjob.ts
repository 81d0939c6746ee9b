// CronJobs create Jobs when their schedule comes round, honour suspend and
// concurrencyPolicy, and keep only as many finished Jobs as the limits say.
import type { Deleter } from '../api/deletion.ts';
import { timestamp } from '../api/meta.ts';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { lastRun, parseSchedule } from './cron.ts';
import { rec, selfOrOwners } from './owned-pods.ts';

export class CronJobController {
  private readonly registry: Registry;
  private readonly deleter: Deleter;
  private readonly cronjobs: ResourceType;
  private readonly jobs: ResourceType;

  constructor(registry: Registry, deleter: Deleter) {
    this.registry = registry;
    this.deleter = deleter;
    this.cronjobs = registry.catalog.get('batch/v1', 'cronjobs')!;
    this.jobs = registry.catalog.get('batch/v1', 'jobs')!;
  }

  owners(ev: { key: string; object: KubeObject }): string[] {
    return selfOrOwners(ev, this.cronjobs, this.jobs);
  }

  /** Every CronJob, for the minute tick. */
  all(): string[] {
    return this.registry.store.list(storageKey(this.cronjobs)).map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
  }

  sync(key: string): void {
    const [ns, name] = key.split('/');
    const cj = this.registry.find(this.cronjobs, ns, name);
    if (!cj || cj.metadata.deletionTimestamp) return;
    const spec = rec(cj.spec);
    const status = rec(cj.status);
    const jobs = this.registry.store.list(storageKey(this.jobs), ns).filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === cj.metadata.uid));
    const finished = (j: KubeObject) => ((rec(j.status).conditions as { type: string }[] | undefined) ?? []).some((c) => c.type === 'Complete' || c.type === 'Failed');
    let active = jobs.filter((j) => !finished(j) && !j.metadata.deletionTimestamp);
    const now = this.registry.clock();
    let lastScheduleTime = status.lastScheduleTime as string | undefined;
    if (!spec.suspend) {
      const since = new Date(lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
      const due = lastRun(parseSchedule(String(spec.schedule)), since, now);
      if (due) {
        const jobName = `${name}-${Math.floor(due.getTime() / 60_000)}`;
        const policy = spec.concurrencyPolicy ?? 'Allow';
        const blocked = policy === 'Forbid' && active.length > 0;
        if (!blocked && !this.registry.find(this.jobs, ns, jobName)) {
          if (policy === 'Replace') for (const j of active) this.deleter.delete(this.jobs, ns, j.metadata.name!, { propagationPolicy: 'Background' });
          const tpl = rec(spec.jobTemplate);
          this.registry.create(this.jobs, ns, {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name: jobName,
              labels: rec(rec(tpl.metadata).labels) as Record<string, string>,
              annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': due.toISOString().replace(/\.\d+Z$/, 'Z') },
              ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            },
            spec: tpl.spec,
          });
          lastScheduleTime = timestamp(due);
          active = this.registry.store.list(storageKey(this.jobs), ns).filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === cj.metadata.uid) && !finished(j));
        }
      }
    }
    this.pruneHistory(jobs.filter(finished), Number(spec.successfulJobsHistoryLimit ?? 3), Number(spec.failedJobsHistoryLimit ?? 1));
    const next = {
      ...(active.length ? { active: active.map((j) => ({ kind: 'Job', namespace: ns, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1' })) } : {}),
      ...(lastScheduleTime ? { lastScheduleTime } : {}),
      ...(status.lastSuccessfulTime ? { lastSuccessfulTime: status.lastSuccessfulTime } : {}),
    };
    this.registry.update(this.cronjobs, ns, name, { ...cj, status: next }, { subresource: 'status' });
  }

  private pruneHistory(done: KubeObject[], keepOk: number, keepFailed: number): void {
    const failed = (j: KubeObject) => ((rec(j.status).conditions as { type: string }[] | undefined) ?? []).some((c) => c.type === 'Failed');
    const byAge = (a: KubeObject, b: KubeObject) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)) || a.metadata.name!.localeCompare(b.metadata.name!);
    for (const [list, keep] of [[done.filter((j) => !failed(j)), keepOk], [done.filter(failed), keepFailed]] as const) {
      const sorted = [...list].sort(byAge);
      for (const j of sorted.slice(0, Math.max(0, sorted.length - keep))) this.deleter.delete(this.jobs, j.metadata.namespace, j.metadata.name!, { propagationPolicy: 'Background' });
    }
  }
}
