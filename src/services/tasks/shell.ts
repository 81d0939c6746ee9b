// psql and patronictl in a member's container, over pods/exec. The pod is
// chosen from labels alone (Patroni keeps spilo-role current), so opening a
// session costs two reads and no Patroni round trip. With a terminal the
// session is interactive (raw mode, sized and resized as the terminal);
// without one it is a plain pipe, as psql expects in a script.
import * as k8s from '@kubernetes/client-node';
import { execInPod, type TerminalLike } from '../kube/exec.ts';
import { PG } from './facts.ts';
import { UnknownTarget } from './types.ts';

export interface ShellTarget {
  cluster: string;
  /** a replica instead of the leader */
  replica?: boolean;
  member?: string;
}

const LEADER = new Set(['master', 'primary']);
const ready = (p: k8s.V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

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
  const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  const names = pods.items.map((p) => p.metadata?.name ?? '').sort();
  if (t.member) {
    if (!names.includes(t.member)) throw new UnknownTarget(`member "${t.member}" not found in cluster ${t.cluster}; its members: ${names.join(', ') || 'none'}`);
    return t.member;
  }
  const role = (p: k8s.V1Pod) => p.metadata?.labels?.['spilo-role'] ?? '';
  const pick = t.replica ? running.filter((p) => !LEADER.has(role(p))).sort((a, b) => Number(ready(b)) - Number(ready(a)))[0] : running.find((p) => LEADER.has(role(p)));
  if (!pick) throw new UnknownTarget(`cluster ${t.cluster} has no running ${t.replica ? 'replica' : 'leader'} (members: ${names.join(', ') || 'none'})`);
  return pick.metadata!.name!;
}

/** psql as the superuser (Spilo's local connections trust it), unless the arguments name a user. */
export function psqlCommand(db: string | undefined, args: string[]): string[] {
  const user = args.some((a) => a === '-U' || a.startsWith('--username') || (a.startsWith('-U') && a.length > 2)) ? [] : ['-U', 'postgres'];
  return ['psql', ...user, ...(db ? ['-d', db] : []), ...args];
}

export interface ShellIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** Runs the command; interactive when both ends are terminals. Resolves with the remote exit code. */
export async function runShell(kc: k8s.KubeConfig, namespace: string, pod: string, command: string[], io: ShellIo): Promise<number> {
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const wasRaw = io.stdin.isTTY ? io.stdin.isRaw : false;
  if (interactive) io.stdin.setRawMode(true);
  // A terminal's input is only read while a session wants it; a pipe's is the command's script.
  const stdin = interactive || !io.stdin.isTTY ? io.stdin : undefined;
  stdin?.resume();
  try {
    return await execInPod(kc, { namespace, pod, command, stdin, stdout: io.stdout, stderr: io.stderr, terminal: interactive ? (io.stdout as TerminalLike) : undefined });
  } finally {
    if (interactive) {
      io.stdin.setRawMode(wasRaw);
      // The terminal goes back to whoever reads it next (the console's readable listener, which
      // refs it again); paused, the console stayed deaf to keys after psql. Unref'd, it keeps no
      // CLI process alive.
      io.stdin.unref?.();
    } else stdin?.pause();
  }
}
