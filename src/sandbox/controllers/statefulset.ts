// StatefulSet controller, as much of it as the sandbox needs: ordinal pods from
// the template, PVCs from volumeClaimTemplates (kept when pods go), scale up
// in order and down from the top, OnDelete and RollingUpdate, and status.
import { createHash } from 'node:crypto';
import type { Deleter } from '../api/deletion.ts';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { selfOrOwners } from './owned-pods.ts';

type Obj = Record<string, unknown>;
/** Pods created or removed per sync: a huge replica count is worked through over many turns of the event loop. */
export const POD_BATCH = 50;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export const isPodReady = (p: KubeObject | undefined) =>
  !!p && !p.metadata.deletionTimestamp && (rec(p.status).conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

/** A stable hash of the pod template: the revision a pod was made from. */
export function templateRevision(sts: KubeObject): string {
  const tpl = JSON.stringify(rec(sts.spec).template ?? {});
  return `${sts.metadata.name}-${createHash('sha256').update(tpl).digest('hex').slice(0, 10)}`;
}

export class StatefulSetController {
  private readonly registry: Registry;
  private readonly deleter: Deleter;
  private readonly sts: ResourceType;
  private readonly pods: ResourceType;
  private readonly pvcs: ResourceType;

  constructor(registry: Registry, deleter: Deleter) {
    this.registry = registry;
    this.deleter = deleter;
    this.sts = registry.catalog.get('apps/v1', 'statefulsets')!;
    this.pods = registry.catalog.get('v1', 'pods')!;
    this.pvcs = registry.catalog.get('v1', 'persistentvolumeclaims')!;
  }

  owners(ev: { key: string; object: KubeObject }): string[] {
    return selfOrOwners(ev, this.sts, this.pods);
  }

  sync(key: string): void {
    const [ns, name] = key.split('/');
    const sts = this.registry.find(this.sts, ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const spec = rec(sts.spec);
    const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const revision = templateRevision(sts);
    const parallel = spec.podManagementPolicy === 'Parallel';
    const pod = (i: number) => this.registry.find(this.pods, ns, `${name}-${i}`);
    // The owner index, not a scan of the namespace: a thousand StatefulSets must not cost a thousand times more each.
    const podsKey = storageKey(this.pods);
    const owned = this.registry.store
      .dependentsOf(sts.metadata.uid!)
      .filter((ref) => ref.key === podsKey)
      .map((ref) => this.registry.store.get(ref.key, ref.id))
      .filter((p): p is NonNullable<typeof p> => p !== undefined && p.metadata.namespace === ns)
      .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));

    // Scale up: create missing ordinals in order (OrderedReady waits for the one before to be ready).
    // At most POD_BATCH per sync: each create queues this StatefulSet again, so the rest follows on a later turn.
    let created = 0;
    for (let i = 0; i < replicas && created < POD_BATCH; i++) {
      const existing = pod(i);
      if (existing) {
        if (!parallel && !isPodReady(existing)) break;
        continue;
      }
      this.ensureClaims(sts, i);
      this.registry.create(this.pods, ns, this.podFor(sts, i, revision));
      created++;
      if (!parallel) break;
    }
    // Scale down: remove the highest ordinal first, one at a time unless Parallel.
    const extra = owned.filter((p) => ordinal(p, name) >= replicas).sort((a, b) => ordinal(b, name) - ordinal(a, name));
    for (const p of parallel ? extra.slice(0, POD_BATCH) : extra.slice(0, 1)) {
      if (!p.metadata.deletionTimestamp) this.deleter.delete(this.pods, ns, p.metadata.name!);
      this.retireClaims(sts, ordinal(p, name));
    }
    this.rollingUpdate(sts, revision, replicas, owned);
    this.writeStatus(sts, revision, replicas);
  }

  private rollingUpdate(sts: KubeObject, revision: string, replicas: number, owned: KubeObject[]): void {
    const strategy = rec(rec(sts.spec).updateStrategy);
    if (strategy.type === 'OnDelete') return; // pods change only when someone deletes them
    const partition = Number(rec(strategy.rollingUpdate).partition ?? 0);
    const current = owned.filter((p) => ordinal(p, sts.metadata.name!) < replicas);
    if (current.length < replicas || current.some((p) => !isPodReady(p) || p.metadata.deletionTimestamp)) return;
    const stale = current
      .filter((p) => ordinal(p, sts.metadata.name!) >= partition && p.metadata.labels?.['controller-revision-hash'] !== revision)
      .sort((a, b) => ordinal(b, sts.metadata.name!) - ordinal(a, sts.metadata.name!));
    if (stale[0]) this.deleter.delete(this.pods, sts.metadata.namespace, stale[0].metadata.name!);
  }

  private podFor(sts: KubeObject, i: number, revision: string): KubeObject {
    const tpl = rec(rec(sts.spec).template);
    const meta = rec(tpl.metadata);
    const name = `${sts.metadata.name}-${i}`;
    const podSpec: Obj = { ...rec(tpl.spec), hostname: name, subdomain: rec(sts.spec).serviceName };
    const claims = (rec(sts.spec).volumeClaimTemplates as KubeObject[] | undefined) ?? [];
    const volumes = [...((podSpec.volumes as Obj[] | undefined) ?? [])];
    for (const c of claims) {
      if (!volumes.some((v) => v.name === c.metadata.name)) volumes.push({ name: c.metadata.name, persistentVolumeClaim: { claimName: `${c.metadata.name}-${name}` } });
    }
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { ...(meta.labels as Record<string, string>), 'controller-revision-hash': revision, 'statefulset.kubernetes.io/pod-name': name, 'apps.kubernetes.io/pod-index': String(i) },
        ...(meta.annotations ? { annotations: meta.annotations as Record<string, string> } : {}),
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...podSpec, ...(volumes.length ? { volumes } : {}) },
    };
  }

  private ensureClaims(sts: KubeObject, i: number): void {
    const ns = sts.metadata.namespace;
    const deleteWithSet = rec(rec(sts.spec).persistentVolumeClaimRetentionPolicy).whenDeleted === 'Delete';
    for (const c of (rec(sts.spec).volumeClaimTemplates as KubeObject[] | undefined) ?? []) {
      const claim = `${c.metadata.name}-${sts.metadata.name}-${i}`;
      if (this.registry.find(this.pvcs, ns, claim)) continue;
      const pvc = this.registry.create(this.pvcs, ns, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: claim,
          labels: { ...(rec(rec(rec(sts.spec).selector).matchLabels) as Record<string, string>), ...(c.metadata.labels ?? {}) },
          ...(deleteWithSet ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, uid: sts.metadata.uid!, controller: true, blockOwnerDeletion: true }] } : {}),
        },
        spec: c.spec,
      });
      // No provisioner here: a claim is bound at once to a volume named after it.
      this.registry.update(this.pvcs, ns, claim, { ...pvc, status: { phase: 'Bound', accessModes: rec(c.spec).accessModes, capacity: rec(rec(c.spec).resources).requests } }, { subresource: 'status' });
      this.registry.patch(this.pvcs, ns, claim, 'merge', { spec: { volumeName: `pvc-${pvc.metadata.uid}` } });
    }
  }

  private retireClaims(sts: KubeObject, i: number): void {
    if (rec(rec(sts.spec).persistentVolumeClaimRetentionPolicy).whenScaled !== 'Delete') return;
    for (const c of (rec(sts.spec).volumeClaimTemplates as KubeObject[] | undefined) ?? []) {
      const claim = `${c.metadata.name}-${sts.metadata.name}-${i}`;
      if (this.registry.find(this.pvcs, sts.metadata.namespace, claim)) this.deleter.delete(this.pvcs, sts.metadata.namespace, claim);
    }
  }

  private writeStatus(sts: KubeObject, revision: string, replicas: number): void {
    const name = sts.metadata.name!;
    const pods = this.registry.store
      .list(storageKey(this.pods), sts.metadata.namespace)
      .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === sts.metadata.uid) && !p.metadata.deletionTimestamp);
    const updated = pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision).length;
    const ready = pods.filter(isPodReady).length;
    const status = {
      observedGeneration: sts.metadata.generation,
      replicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    };
    void replicas;
    const fresh = this.registry.find(this.sts, sts.metadata.namespace, name);
    if (fresh) this.registry.update(this.sts, sts.metadata.namespace, name, { ...fresh, status }, { subresource: 'status' });
  }
}

function ordinal(p: KubeObject, stsName: string): number {
  return Number(p.metadata.name!.slice(stsName.length + 1));
}
