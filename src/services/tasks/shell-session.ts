// What `zpg psql` and `zpg patronictl` decide before and around the exec,
// the same for the lite path (shell-lite.ts) and client-node's (shell.ts):
// which pod (from labels; Patroni only when no pod carries the role label),
// the psql command line, and the terminal: interactive (raw mode, sized)
// when both ends are terminals, a plain pipe otherwise. No client-node here.
import { isLeaderRole, type ClusterMember } from '../patroni/types.ts';
import { UnknownTarget } from './types.ts';

export interface ShellTarget {
  cluster: string;
  /** a replica instead of the leader */
  replica?: boolean;
  member?: string;
}

/** The parts of a pod the choice reads. */
export interface ShellPodLike {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
  status?: { phase?: string; podIP?: string; conditions?: { type?: string; status?: string }[] };
}

export const ROLE_LABEL = 'spilo-role';
/** the label Zalando's connection pooler pods carry besides cluster-name (and even spilo-role=master) */
const POOLER_LABEL = 'connection-pooler';
const LEADER = new Set(['master', 'primary']);

const nameOf = (p: ShellPodLike) => p.metadata?.name ?? '';
const ready = (p: ShellPodLike) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const running = (p: ShellPodLike) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;

/** The cluster's member pods among those labelled with its name: its pooler's pods are not members. */
export const memberPods = <P extends ShellPodLike>(pods: P[]): P[] => pods.filter((p) => p.metadata?.labels?.[POOLER_LABEL] === undefined);

/**
 * The pod to run in: the named member, a ready replica, or the leader, by the
 * role label. `ask` when no running member carries the label (a cluster whose
 * operator labels roles otherwise): the caller asks Patroni and calls again
 * with its members.
 */
export function choosePod(all: ShellPodLike[], t: ShellTarget, patroni?: ClusterMember[]): { pod: string } | { ask: ShellPodLike[] } {
  const pods = memberPods(all);
  const names = pods.map(nameOf).sort();
  if (t.member) {
    if (!names.includes(t.member)) throw new UnknownTarget(`member "${t.member}" not found in cluster ${t.cluster}; its members: ${names.join(', ') || 'none'}`);
    return { pod: t.member };
  }
  const up = pods.filter(running);
  const patroniRole = new Map(patroni?.map((m) => [m.name, isLeaderRole(m.role) ? 'master' : 'replica']));
  const role = (p: ShellPodLike) => (patroni ? patroniRole.get(nameOf(p)) : p.metadata?.labels?.[ROLE_LABEL]);
  if (!patroni && up.length && !up.some((p) => role(p) !== undefined)) return { ask: up };
  const known = up.filter((p) => role(p) !== undefined);
  const pick = t.replica ? known.filter((p) => !LEADER.has(role(p)!)).sort((a, b) => Number(ready(b)) - Number(ready(a)))[0] : known.find((p) => LEADER.has(role(p)!));
  if (!pick) throw new UnknownTarget(`cluster ${t.cluster} has no running ${t.replica ? 'replica' : 'leader'} (members: ${names.join(', ') || 'none'})`);
  return { pod: nameOf(pick) };
}

/** psql as the superuser (Spilo's local connections trust it), unless the arguments name a user. */
export function psqlCommand(db: string | undefined, args: string[]): string[] {
  const user = args.some((a) => a === '-U' || a.startsWith('--username') || (a.startsWith('-U') && a.length > 2)) ? [] : ['-U', 'postgres'];
  return inPodPsql([...user, ...(db ? ['-d', db] : []), ...args]);
}

/**
 * psql with these arguments as the pod runs it: the binary of the pod's
 * PGVERSION (which the operator sets on Spilo's container), else `psql` on
 * PATH. `psql` on PATH is Debian's Perl pg_wrapper in Spilo's image and here,
 * ~40 ms of start-up only to pick that same binary. exec keeps psql's exit code.
 */
export const inPodPsql = (args: string[]): string[] => ['sh', '-c', 'p=/usr/lib/postgresql/$PGVERSION/bin/psql; [ -x "$p" ] || p=psql; exec "$p" "$@"', 'psql', ...args];

export interface ShellIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

/** What an exec needs from the terminal: the input to lend, and the terminal to size (when interactive). */
export interface SessionStreams {
  stdin?: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  terminal?: NodeJS.WriteStream;
}

/** Runs `exec` with this terminal or these pipes; interactive when both ends are terminals. */
export async function runSession(io: ShellIo, exec: (s: SessionStreams) => Promise<number>): Promise<number> {
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const wasRaw = io.stdin.isTTY ? io.stdin.isRaw : false;
  if (interactive) io.stdin.setRawMode(true);
  // A terminal's input is only read while a session wants it; a pipe's is the command's script.
  const stdin = interactive || !io.stdin.isTTY ? io.stdin : undefined;
  stdin?.resume();
  try {
    return await exec({ stdin, stdout: io.stdout, stderr: io.stderr, terminal: interactive ? io.stdout : undefined });
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
