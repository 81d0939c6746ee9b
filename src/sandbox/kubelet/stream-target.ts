// Which pod and container an exec or port-forward reaches, refused as the
// real chain refuses: the API server checks the pod object (container name,
// a node assigned), then the kubelet checks what runs (container not found).
import type { Registry } from '../api/registry.ts';
import { badRequest } from '../api/errors.ts';
import type { RequestTarget } from '../api/http.ts';
import type { KubeObject } from '../api/types.ts';
import { KubeletError } from '../api/upgrade.ts';
import type { Member } from '../patroni/member.ts';
import type { Kubelet, PodRuntime } from './kubelet.ts';

type Target = RequestTarget & { name: string };

function podOf(registry: Registry, t: Target): KubeObject {
  return registry.get(t.rt, t.namespace, t.name);
}

function containerNames(pod: KubeObject, key: 'containers' | 'initContainers'): string[] {
  const list = ((pod.spec as Record<string, unknown> | undefined)?.[key] as { name?: string }[] | undefined) ?? [];
  return list.map((c) => c.name ?? '');
}

/**
 * The pod as the kubelet runs it. The sandbox has no nodes: a pod the kubelet
 * took counts as scheduled, and one it did not (no Spilo container) has no host.
 */
function runtimeOf(registry: Registry, kubelet: Kubelet, t: Target): PodRuntime {
  const pod = podOf(registry, t);
  const rt = kubelet.runtime(t.namespace ?? 'default', t.name);
  if (!rt || rt.uid !== pod.metadata.uid) throw badRequest(`pod ${t.name} does not have a host assigned`);
  return rt;
}

/** For exec: the named (or only) container, which must be running. */
export function execTarget(registry: Registry, kubelet: Kubelet, t: Target, requested: string | null): PodRuntime & { member: Member } {
  const pod = podOf(registry, t);
  const names = containerNames(pod, 'containers');
  let container = requested ?? '';
  if (!container) {
    if (names.length !== 1) {
      const init = containerNames(pod, 'initContainers');
      throw badRequest(`a container name must be specified for pod ${t.name}, choose one of: [${names.join(' ')}]${init.length ? ` or one of the init containers: [${init.join(' ')}]` : ''}`);
    }
    container = names[0];
  } else if (!names.includes(container) && !containerNames(pod, 'initContainers').includes(container)) {
    throw badRequest(`container ${container} is not valid for pod ${t.name}`);
  }
  const rt = runtimeOf(registry, kubelet, t);
  // Only the Spilo container runs here; sidecars and a member between crash and restart have no process to join.
  if (container !== rt.container || !rt.member?.running) throw new KubeletError(500, `container not found ("${container}")`);
  return { ...rt, member: rt.member };
}

/** For port-forward: the pod's network, which exists as soon as the kubelet gave it an address. */
export function portForwardTarget(registry: Registry, kubelet: Kubelet, t: Target): PodRuntime {
  return runtimeOf(registry, kubelet, t);
}
