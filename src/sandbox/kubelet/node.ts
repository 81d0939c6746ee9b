// The sandbox's one Node, as its kubelet registers it: labels, addresses,
// capacity, node info and conditions. Taints on it are honoured the way a
// cluster does: a pod that does not tolerate a NoSchedule or NoExecute taint is
// not started here (it stays Pending, unschedulable, as the scheduler leaves
// it); a running pod that does not tolerate a NoExecute taint is evicted, at
// once or after its toleration's tolerationSeconds, as the taint manager does.
import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';
import type { Deleter } from '../api/deletion.ts';
import { VERSION_INFO } from '../api/discovery.ts';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { NODE_NAME, now } from './pod-status.ts';

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** core/v1 Toleration.ToleratesTaint */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if ((t.operator ?? 'Equal') === 'Equal') return Boolean(t.key) && (t.value ?? '') === (taint.value ?? '');
  return false;
}

const tolerationsOf = (pod: KubeObject) => ((rec(pod.spec).tolerations as Toleration[] | undefined) ?? []).filter((t) => t && typeof t === 'object');

/** The taints a pod does not tolerate, among those with the given effects. */
export function untolerated(pod: KubeObject, taints: Taint[], effects: string[]): Taint[] {
  const tols = tolerationsOf(pod);
  return taints.filter((taint) => effects.includes(taint.effect) && !tols.some((t) => tolerates(t, taint)));
}

const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

function osImage(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

function nodeObject(): KubeObject {
  const goArch = arches[arch()] ?? arch();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'beta.kubernetes.io/arch': goArch,
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': goArch,
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: '127.0.0.0/16', podCIDRs: ['127.0.0.0/16'] },
  };
}

function nodeStatus(): Obj {
  const t = now();
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: t, reason, message });
  const resources = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110', 'ephemeral-storage': '10Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: NODE_NAME },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: release(),
      osImage: osImage(),
      containerRuntimeVersion: 'zpg-sandbox://0.1.0',
      kubeletVersion: VERSION_INFO.gitVersion,
      kubeProxyVersion: VERSION_INFO.gitVersion,
      operatingSystem: 'linux',
      architecture: arches[arch()] ?? arch(),
    },
  };
}

export interface NodeAgentOptions {
  deleter: Deleter;
  /** the node's taints changed: pods held back may start now */
  onTaintsChanged: () => void;
}

export class NodeAgent {
  private readonly registry: Registry;
  private readonly o: NodeAgentOptions;
  private readonly nodes: ResourceType;
  private readonly pods: ResourceType;
  private readonly unsubscribe: () => void;
  private taintText = '[]';
  /** pods waiting out their tolerationSeconds, by uid */
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(registry: Registry, opts: NodeAgentOptions) {
    this.registry = registry;
    this.o = opts;
    this.nodes = registry.catalog.get('v1', 'nodes')!;
    this.pods = registry.catalog.get('v1', 'pods')!;
    this.register();
    this.taintText = JSON.stringify(this.taints());
    this.unsubscribe = registry.store.subscribe(storageKey(this.nodes), (ev) => {
      if (ev.object.metadata.name !== NODE_NAME) return;
      if (ev.type === 'DELETED') return; // a deleted node object is registered again when the kubelet restarts
      const text = JSON.stringify(this.taints());
      if (text === this.taintText) return;
      this.taintText = text;
      // After the write that changed the taints has been answered and heard by everyone, as a separate controller acts.
      setImmediate(() => {
        this.evict();
        this.o.onTaintsChanged();
      });
    });
  }

  /** Creates the Node (or refreshes its status when it exists), as a kubelet does at start. */
  private register(): void {
    if (!this.registry.find(this.nodes, undefined, NODE_NAME)) this.registry.create(this.nodes, undefined, nodeObject());
    const fresh = this.registry.find(this.nodes, undefined, NODE_NAME)!;
    this.registry.update(this.nodes, undefined, NODE_NAME, { ...fresh, status: nodeStatus() }, { subresource: 'status' });
  }

  taints(): Taint[] {
    const node = this.registry.find(this.nodes, undefined, NODE_NAME);
    return ((rec(node?.spec).taints as Taint[] | undefined) ?? []).filter((t) => t && typeof t === 'object' && typeof t.effect === 'string');
  }

  /**
   * True when the node's taints keep this pod off it: the pod stays Pending
   * with the scheduler's Unschedulable condition (written once, not on every
   * update, or each write would call us again).
   */
  holdsBack(pod: KubeObject): boolean {
    const bad = untolerated(pod, this.taints(), ['NoSchedule', 'NoExecute']);
    if (!bad.length) return false;
    const shown = bad.map((t) => `{${t.key}: ${t.value ?? ''}}`).join(', ');
    const message = `0/1 nodes are available: 1 node(s) had untolerated taint ${shown}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`;
    const conditions = (rec(pod.status).conditions as Obj[] | undefined) ?? [];
    if (conditions.some((c) => c.type === 'PodScheduled' && c.message === message)) return true;
    const scheduled = { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: now(), reason: 'Unschedulable', message };
    const fresh = this.registry.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
    if (!fresh || fresh.metadata.uid !== pod.metadata.uid) return true;
    const status = { ...rec(fresh.status), phase: 'Pending', conditions: [...conditions.filter((c) => c.type !== 'PodScheduled'), scheduled] };
    this.registry.update(this.pods, pod.metadata.namespace, pod.metadata.name!, { ...fresh, status }, { subresource: 'status' });
    return true;
  }

  /** The taint manager: pods on this node that do not tolerate a NoExecute taint are deleted. */
  private evict(): void {
    const taints = this.taints().filter((t) => t.effect === 'NoExecute');
    for (const pod of this.registry.store.list(storageKey(this.pods))) {
      if (rec(pod.spec).nodeName !== NODE_NAME || pod.metadata.deletionTimestamp) continue;
      const uid = pod.metadata.uid!;
      clearTimeout(this.timers.get(uid));
      this.timers.delete(uid);
      if (!taints.length) continue;
      if (untolerated(pod, taints, ['NoExecute']).length) {
        this.evictNow(pod);
        continue;
      }
      // Tolerated, but perhaps only for a while: the shortest tolerationSeconds among the matching tolerations wins.
      const limits = taints.flatMap((taint) => tolerationsOf(pod).filter((t) => tolerates(t, taint) && typeof t.tolerationSeconds === 'number').map((t) => t.tolerationSeconds!));
      if (limits.length) {
        const ms = Math.max(0, Math.min(...limits)) * 1000;
        const timer = setTimeout(() => this.evictNow(pod), ms);
        timer.unref();
        this.timers.set(uid, timer);
      }
    }
  }

  private evictNow(pod: KubeObject): void {
    this.timers.delete(pod.metadata.uid!);
    const fresh = this.registry.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
    if (!fresh || fresh.metadata.uid !== pod.metadata.uid || fresh.metadata.deletionTimestamp) return;
    try {
      const conditions = ((rec(fresh.status).conditions as Obj[] | undefined) ?? []).filter((c) => c.type !== 'DisruptionTarget');
      conditions.push({ type: 'DisruptionTarget', status: 'True', lastTransitionTime: now(), reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint' });
      this.registry.update(this.pods, fresh.metadata.namespace, fresh.metadata.name!, { ...fresh, status: { ...rec(fresh.status), conditions } }, { subresource: 'status' });
      this.o.deleter.delete(this.pods, fresh.metadata.namespace, fresh.metadata.name!, { preconditions: { uid: fresh.metadata.uid } });
    } catch (e) {
      process.stderr.write(`sandbox kubelet: evicting ${fresh.metadata.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
