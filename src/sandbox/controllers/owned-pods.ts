// Shared by the controllers that own pods directly (Deployment, Job).
import type { Registry } from '../api/registry.ts';
import { randomSuffix } from '../api/meta.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';

export type Obj = Record<string, unknown>;
export const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export function ownedPods(registry: Registry, owner: KubeObject): KubeObject[] {
  const pods = registry.catalog.get('v1', 'pods')!;
  return registry.store
    .list(storageKey(pods), owner.metadata.namespace)
    .filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === owner.metadata.uid));
}

/** A pod from the owner's template, named `<prefix>-<5 chars>`, owned by it. */
export function podFromTemplate(owner: KubeObject, template: Obj, prefix: string, extraLabels: Record<string, string>): KubeObject {
  const meta = rec(template.metadata);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${prefix}-${randomSuffix()}`,
      labels: { ...(meta.labels as Record<string, string>), ...extraLabels },
      ...(meta.annotations ? { annotations: meta.annotations as Record<string, string> } : {}),
      ownerReferences: [{ apiVersion: String(owner.apiVersion), kind: String(owner.kind), name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: rec(template.spec),
  };
}

export function ownerKeys(ev: { object: KubeObject }, kind: string): string[] {
  return (ev.object.metadata.ownerReferences ?? []).filter((r) => r.kind === kind).map((r) => `${ev.object.metadata.namespace}/${r.name}`);
}

/** The queue keys an event concerns for a controller of `own` objects that owns `child` objects. */
export function selfOrOwners(ev: { key: string; object: KubeObject }, own: ResourceType, child: ResourceType): string[] {
  if (ev.key === storageKey(own)) return [`${ev.object.metadata.namespace}/${ev.object.metadata.name}`];
  if (ev.key === storageKey(child)) return ownerKeys(ev, own.kind);
  return [];
}
