// Endpoints for Services with a selector: ready pods' IPs as addresses, the
// others as notReadyAddresses. Services without a selector are left alone:
// Patroni and the operator write those Endpoints themselves.
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import { labelSelectorFromObject } from '../api/selectors.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { isPodReady } from './statefulset.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export class EndpointsController {
  private readonly registry: Registry;
  private readonly services: ResourceType;
  private readonly pods: ResourceType;
  private readonly endpoints: ResourceType;

  constructor(registry: Registry) {
    this.registry = registry;
    this.services = registry.catalog.get('v1', 'services')!;
    this.pods = registry.catalog.get('v1', 'pods')!;
    this.endpoints = registry.catalog.get('v1', 'endpoints')!;
  }

  /** A service event concerns that service; a pod event, the services of its namespace that select it, before or after. */
  owners(ev: { key: string; object: KubeObject; old?: KubeObject }): string[] {
    const ns = ev.object.metadata.namespace;
    if (ev.key === storageKey(this.services)) return [`${ns}/${ev.object.metadata.name}`];
    if (ev.key !== storageKey(this.pods)) return [];
    const labels = [ev.object.metadata.labels, ev.old?.metadata.labels];
    return this.registry.store
      .list(storageKey(this.services), ns)
      .filter((s) => {
        const selector = rec(s.spec).selector as Record<string, string> | undefined;
        if (!selector || Object.keys(selector).length === 0) return false;
        const match = labelSelectorFromObject({ matchLabels: selector });
        return labels.some((l) => l && match(l));
      })
      .map((s) => `${ns}/${s.metadata.name}`);
  }

  sync(key: string): void {
    const [ns, name] = key.split('/');
    const svc = this.registry.find(this.services, ns, name);
    const selector = rec(svc?.spec).selector as Record<string, string> | undefined;
    if (!svc || !selector || Object.keys(selector).length === 0) return;
    const match = labelSelectorFromObject({ matchLabels: selector });
    const pods = this.registry.store.list(storageKey(this.pods), ns).filter((p) => match(p.metadata.labels) && rec(p.status).podIP && !p.metadata.deletionTimestamp);
    const address = (p: KubeObject) => ({ ip: String(rec(p.status).podIP), targetRef: { kind: 'Pod', namespace: ns, name: p.metadata.name, uid: p.metadata.uid } });
    const ready = pods.filter(isPodReady).map(address);
    const notReady = pods.filter((p) => !isPodReady(p)).map(address);
    const ports = ((rec(svc.spec).ports as Obj[] | undefined) ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: typeof p.targetPort === 'number' ? p.targetPort : Number(p.port),
      protocol: p.protocol ?? 'TCP',
    }));
    const subsets = ready.length || notReady.length ? [{ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ports }] : [];
    const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels: svc.metadata.labels }, subsets } as KubeObject;
    const existing = this.registry.find(this.endpoints, ns, name);
    if (!existing) this.registry.create(this.endpoints, ns, body);
    else this.registry.update(this.endpoints, ns, name, { ...existing, metadata: { ...existing.metadata, labels: svc.metadata.labels }, subsets });
  }
}
