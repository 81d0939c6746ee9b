// Jobs run one pod; the pod's phase becomes the Job's status.
import type { Registry } from '../api/registry.ts';
import { timestamp } from '../api/meta.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { ownedPods, podFromTemplate, rec, selfOrOwners } from './owned-pods.ts';

export class JobController {
  private readonly registry: Registry;
  private readonly jobs: ResourceType;
  private readonly pods: ResourceType;

  constructor(registry: Registry) {
    this.registry = registry;
    this.jobs = registry.catalog.get('batch/v1', 'jobs')!;
    this.pods = registry.catalog.get('v1', 'pods')!;
  }

  owners(ev: { key: string; object: KubeObject }): string[] {
    return selfOrOwners(ev, this.jobs, this.pods);
  }

  sync(key: string): void {
    const [ns, name] = key.split('/');
    const job = this.registry.find(this.jobs, ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const status = rec(job.status);
    let pods = ownedPods(this.registry, job);
    if (pods.length === 0 && !status.completionTime && !status.failed) {
      this.registry.create(this.pods, ns, podFromTemplate(job, rec(rec(job.spec).template), name, { 'job-name': name, 'batch.kubernetes.io/job-name': name, 'controller-uid': job.metadata.uid! }));
      pods = ownedPods(this.registry, job);
    }
    const phase = (p: KubeObject) => rec(p.status).phase;
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phase(p) === 'Failed').length;
    const active = pods.length - succeeded - failed;
    const now = timestamp(this.registry.clock());
    const done = succeeded > 0 ? 'Complete' : failed > 0 ? 'Failed' : undefined;
    const next = {
      startTime: status.startTime ?? now,
      ...(active ? { active } : {}),
      ...(succeeded ? { succeeded } : {}),
      ...(failed ? { failed } : {}),
      ...(done === 'Complete' ? { completionTime: status.completionTime ?? now } : {}),
      ...(done ? { conditions: (status.conditions as unknown[] | undefined) ?? [{ type: done, status: 'True', lastTransitionTime: now }] } : {}),
    };
    this.registry.update(this.jobs, ns, name, { ...job, status: next }, { subresource: 'status' });
  }
}
