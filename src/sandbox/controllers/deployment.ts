// Deployments own their pods directly here (no ReplicaSets): enough for the
// connection pooler. A template change replaces every pod.
import { createHash } from 'node:crypto';
import type { Deleter } from '../api/deletion.ts';
import type { Registry } from '../api/registry.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { ownedPods, podFromTemplate, rec, selfOrOwners } from './owned-pods.ts';
import { isPodReady, POD_BATCH } from './statefulset.ts';

export class DeploymentController {
  private readonly registry: Registry;
  private readonly deleter: Deleter;
  private readonly deployments: ResourceType;
  private readonly pods: ResourceType;

  constructor(registry: Registry, deleter: Deleter) {
    this.registry = registry;
    this.deleter = deleter;
    this.deployments = registry.catalog.get('apps/v1', 'deployments')!;
    this.pods = registry.catalog.get('v1', 'pods')!;
  }

  owners(ev: { key: string; object: KubeObject }): string[] {
    return selfOrOwners(ev, this.deployments, this.pods);
  }

  sync(key: string): void {
    const [ns, name] = key.split('/');
    const d = this.registry.find(this.deployments, ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = rec(d.spec);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const hash = createHash('sha256').update(JSON.stringify(spec.template ?? {})).digest('hex').slice(0, 10);
    const live = ownedPods(this.registry, d).filter((p) => !p.metadata.deletionTimestamp);
    // POD_BATCH writes per sync at most; each write queues the Deployment again for the rest.
    for (const p of live.filter((p) => p.metadata.labels?.['pod-template-hash'] !== hash).slice(0, POD_BATCH)) this.deleter.delete(this.pods, ns, p.metadata.name!);
    const current = live.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    for (let i = current.length; i < Math.min(replicas, current.length + POD_BATCH); i++) {
      this.registry.create(this.pods, ns, podFromTemplate(d, rec(spec.template), `${name}-${hash}`, { 'pod-template-hash': hash }));
    }
    for (const p of current.slice(replicas, replicas + POD_BATCH)) this.deleter.delete(this.pods, ns, p.metadata.name!);
    const kept = current.slice(0, replicas);
    const ready = kept.filter(isPodReady).length;
    const status = { observedGeneration: d.metadata.generation, replicas: kept.length, updatedReplicas: kept.length, readyReplicas: ready, availableReplicas: ready };
    this.registry.update(this.deployments, ns, name, { ...d, status }, { subresource: 'status' });
  }
}
