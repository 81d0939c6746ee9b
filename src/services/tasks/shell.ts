// psql and patronictl in a member's container, over client-node's pods/exec
// (the console's path; the one-shot CLI takes shell-lite.ts). The pod is
// chosen from labels (Patroni keeps spilo-role current; Patroni itself is
// asked only when no pod carries the label). With a terminal the
// session is interactive (raw mode, sized and resized as the terminal);
// without one it is a plain pipe, as psql expects in a script.
import * as k8s from '@kubernetes/client-node';
import { execInPod } from '../kube/exec.ts';
import { PatroniClient } from '../patroni/client.ts';
import { memberTransports } from '../patroni/transports.ts';
import type { ClusterMember } from '../patroni/types.ts';
import { PG } from './facts.ts';
import { choosePod, runSession, type ShellIo, type ShellPodLike, type ShellTarget } from './shell-session.ts';
import { UnknownTarget } from './types.ts';

// The choice of pod, psql's command line and the terminal handling are shell-session.ts's, shared with the lite path.
export { psqlCommand, type ShellIo, type ShellTarget } from './shell-session.ts';

/** The pod to run in: the named member, a ready replica, or the leader. */
export async function shellPod(kc: k8s.KubeConfig, namespace: string, t: ShellTarget): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const [pg, pods] = await Promise.all([
    custom.getNamespacedCustomObject({ ...PG, namespace, name: t.cluster }).catch((e: unknown) => ((e as { code?: number }).code === 404 ? undefined : Promise.reject(e))),
    core.listNamespacedPod({ namespace, labelSelector: `cluster-name=${t.cluster}` }),
  ]);
  if (!pg) {
    const all = (await custom.listNamespacedCustomObject({ ...PG, namespace })) as { items: { metadata?: { name?: string } }[] };
    throw new UnknownTarget(`cluster "${t.cluster}" not found in namespace ${namespace}; clusters there: ${all.items.map((i) => i.metadata?.name).sort().join(', ') || 'none'}`);
  }
  const chosen = choosePod(pods.items, t);
  if ('pod' in chosen) return chosen.pod;
  // No pod carries the role label: Patroni knows the roles.
  const again = choosePod(pods.items, t, await patroniMembers(kc, namespace, chosen.ask));
  if ('pod' in again) return again.pod;
  throw new UnknownTarget(`cluster ${t.cluster}: no member's Patroni answered`);
}

async function patroniMembers(kc: k8s.KubeConfig, namespace: string, pods: ShellPodLike[]): Promise<ClusterMember[]> {
  const transportFor = memberTransports(kc);
  for (const p of pods) {
    try {
      return (await new PatroniClient(transportFor({ namespace, pod: p.metadata?.name ?? '', podIP: p.status?.podIP })).cluster()).members;
    } catch {
      // the next member may answer
    }
  }
  return [];
}

/** Runs the command; interactive when both ends are terminals. Resolves with the remote exit code. */
export function runShell(kc: k8s.KubeConfig, namespace: string, pod: string, command: string[], io: ShellIo): Promise<number> {
  return runSession(io, (st) => execInPod(kc, { namespace, pod, command, stdin: st.stdin, stdout: st.stdout, stderr: st.stderr, terminal: st.terminal }));
}
