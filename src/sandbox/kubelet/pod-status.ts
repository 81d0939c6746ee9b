// What the kubelet writes on the pods it runs: status (as a node reports it)
// and the few metadata changes that are its to make (the node binding, a
// stopped member's role label). Each write re-reads the pod and gives up when
// it is gone or has been replaced by a pod of the same name.
import type { Registry } from '../api/registry.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The one node of the sandbox: pods the kubelet takes are bound to it. */
export const NODE_NAME = 'zpg-sandbox';

export const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function isReady(pod: KubeObject): boolean {
  return ((rec(pod.status).conditions as { type: string; status: string }[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export function runningStatus(name: string, ready: boolean, restartCount: number) {
  return { name, ready, restartCount, started: true, image: 'spilo', imageID: '', state: { running: { startedAt: now() } } };
}

export function terminatedStatus(name: string, restartCount: number) {
  return { name, ready: false, restartCount, started: false, image: 'spilo', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: now() } } };
}

export class PodWriter {
  private readonly registry: Registry;
  private readonly pods: ResourceType;

  constructor(registry: Registry) {
    this.registry = registry;
    this.pods = registry.catalog.get('v1', 'pods')!;
  }

  private fresh(pod: KubeObject): KubeObject | undefined {
    const fresh = this.registry.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
    return fresh && fresh.metadata.uid === pod.metadata.uid ? fresh : undefined;
  }

  status(pod: KubeObject, patch: Obj): void {
    const fresh = this.fresh(pod);
    if (!fresh) return;
    this.registry.update(this.pods, pod.metadata.namespace, pod.metadata.name!, { ...fresh, status: { ...rec(fresh.status), ...patch } }, { subresource: 'status' });
  }

  /** spec.nodeName, as the scheduler's binding sets it: it is what makes a deletion graceful. */
  bind(pod: KubeObject): void {
    const fresh = this.fresh(pod);
    if (!fresh || rec(fresh.spec).nodeName === NODE_NAME) return;
    this.registry.update(this.pods, pod.metadata.namespace, pod.metadata.name!, { ...fresh, spec: { ...rec(fresh.spec), nodeName: NODE_NAME } });
  }

  /**
   * A member that stopped leads nothing: Patroni leaves its role label behind,
   * and a stale `master` would make two leaders for whoever reads labels.
   */
  clearLabel(pod: KubeObject, label: string): void {
    const fresh = this.fresh(pod);
    if (!fresh || fresh.metadata.labels?.[label] === undefined) return;
    const { [label]: _gone, ...labels } = fresh.metadata.labels;
    this.registry.update(this.pods, pod.metadata.namespace, pod.metadata.name!, { ...fresh, metadata: { ...fresh.metadata, labels } });
  }
}
