// The one-shot `zpg psql` / `zpg patronictl` without client-node: one pod
// list by the cluster's and the role's labels picks the leader (all members
// are listed for a replica, a named member, or when no pod is labelled leader;
// the postgresql object is read only to name what exists when there are no
// pods), then pods/exec over zpg's own WebSocket client. As fast as `kubectl
// exec`, which also makes two requests. The WebSocket and Patroni clients load
// only when needed (the former while the API server answers the list).
import { PG_PATH } from '../clusters/load-lite.ts';
import type { LiteKube } from '../kube/lite/kubeconfig.ts';
import { KubeApiError, kubeJson } from '../kube/lite/request.ts';
import type { ClusterMember } from '../patroni/types.ts';
import { choosePod, runSession, type ShellIo, type ShellPodLike, type ShellTarget } from './shell-session.ts';
import { UnknownTarget } from './types.ts';

/** The pod to run in: the leader from one list of the labelled leader's pods, or from all the cluster's pods. */
export async function liteShellPod(k: LiteKube, namespace: string, t: ShellTarget, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const list = async (selector: string) => (await kubeJson<{ items: ShellPodLike[] }>(k, { path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}` })).items;
  if (!t.member && !t.replica) {
    // the leader, as kubectl would name it: only its pod comes back (the pooler's pods carry the role label too)
    const leaders = await list(`cluster-name=${t.cluster},spilo-role in (master,primary),!connection-pooler`);
    try {
      const chosen = leaders.length ? choosePod(leaders, t) : undefined;
      if (chosen && 'pod' in chosen) return chosen.pod;
    } catch {
      // none of them running: the full list below says so, naming every member
    }
  }
  // every member: a named one or a replica, or no labelled leader (the error names the members; Patroni may know)
  const items = await list(`cluster-name=${t.cluster}`);
  if (!items.length) await clusterExists(k, namespace, t.cluster);
  const chosen = choosePod(items, t);
  if ('pod' in chosen) return chosen.pod;
  // No pod carries the role label: Patroni knows the roles (with its members, the choice asks no more).
  const again = choosePod(items, t, await patroniMembers(k, namespace, chosen.ask, env));
  if ('pod' in again) return again.pod;
  throw new UnknownTarget(`cluster ${t.cluster}: no member's Patroni answered`);
}

/** Throws UnknownTarget naming the clusters there when `cluster` is not one of them. */
async function clusterExists(k: LiteKube, namespace: string, cluster: string): Promise<void> {
  const ns = encodeURIComponent(namespace);
  try {
    await kubeJson(k, { path: `${PG_PATH}/namespaces/${ns}/postgresqls/${encodeURIComponent(cluster)}` });
  } catch (e) {
    if (!(e instanceof KubeApiError) || e.status !== 404) throw e;
    const all = await kubeJson<{ items: { metadata?: { name?: string } }[] }>(k, { path: `${PG_PATH}/namespaces/${ns}/postgresqls` });
    throw new UnknownTarget(`cluster "${cluster}" not found in namespace ${namespace}; clusters there: ${all.items.map((i) => i.metadata?.name).sort().join(', ') || 'none'}`);
  }
}

/** Patroni's members, from the first running pod that answers; none when none does. */
async function patroniMembers(k: LiteKube, namespace: string, pods: ShellPodLike[], env: NodeJS.ProcessEnv): Promise<ClusterMember[]> {
  // loaded only here: a cluster labelled as Zalando's never needs them
  const [{ httpTransport, PATRONI_PORT, PatroniClient }, { litePatroniTransport }] = await Promise.all([import('../patroni/client.ts'), import('../patroni/lite-transport.ts')]);
  for (const p of pods) {
    const pod = p.metadata?.name ?? '';
    const ip = p.status?.podIP;
    // inside a cluster the pod IP is routable, as memberTransports does it
    const transport = env.KUBERNETES_SERVICE_HOST && ip ? httpTransport(`http://${ip}:${PATRONI_PORT}`) : litePatroniTransport(k, namespace, pod);
    try {
      return (await new PatroniClient(transport).cluster()).members;
    } catch {
      // the next member may answer
    }
  }
  return [];
}

/**
 * Runs the command in the pod with this terminal or these pipes; resolves with the remote exit code.
 * `pod` may still be on its way: the WebSocket client loads while the API server answers the pod list.
 */
export async function runShellLite(k: LiteKube, namespace: string, pod: string | Promise<string>, command: string[], io: ShellIo): Promise<number> {
  const [{ execLite }, name] = await Promise.all([import('../kube/lite/exec.ts'), pod]);
  return runSession(io, (s) => execLite(k, { namespace, pod: name, command, stdin: s.stdin, stdout: s.stdout, stderr: s.stderr, terminal: s.terminal }));
}
