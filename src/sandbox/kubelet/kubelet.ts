// The sandbox kubelet: a Pod whose container carries Spilo's environment
// becomes a real Patroni + PostgreSQL member on its own loopback address. It
// binds the pod to the sandbox's node, reports Running and the pod IP, Ready
// from Patroni's /readiness, and on deletion stops the member gracefully
// before it lets the pod object go. A pod's data lives in its pgdata claim's
// directory, so a recreated pod finds its data again.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Deleter } from '../api/deletion.ts';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { startMember, type Member, type StartMemberOptions, type StopOptions } from '../patroni/member.ts';
import { NodeAgent } from './node.ts';
import { imagePullStatus, unpullableImage } from './image-pull.ts';
import { NODE_NAME, PodWriter, isReady, now, runningStatus, terminatedStatus } from './pod-status.ts';
import { ServiceHosts } from './service-hosts.ts';
import { PoolerPods } from './pooler-pod.ts';
import { claimVolume } from './volume-identity.ts';
import { memberOptions, resolveEnv, spiloContainer } from './spilo-env.ts';
import { prepareMemberBackup, type MemberBackup } from '../backup/member-hooks.ts';
import { BaseBackupScheduler } from '../backup/scheduler.ts';

export interface KubeletOptions {
  /** where volumes and member directories live */
  root: string;
  /** the kubeconfig members use to reach the sandbox API */
  kubeconfig: string;
  /** the API's deleter: the kubelet completes a graceful deletion through it, as a node does with grace 0 */
  deleter: Deleter;
  /** third octet of 127.0.x.y addresses handed to pods */
  subnet?: number;
  readinessIntervalMs?: number;
}

type Obj = Record<string, unknown>;

/** What pods/exec and pods/portforward need of a pod this kubelet runs. */
export interface PodRuntime {
  uid: string;
  /** the pod's address: its member's Patroni and PostgreSQL listen there */
  ip: string;
  container: string;
  /** the container's environment, references resolved; undefined until the pod has started */
  env?: Record<string, string>;
  /** the member, once started; its processes may have died (see Member.running) */
  member?: Member;
  options?: StartMemberOptions;
  /** the pod's own directory, for files a container would keep outside its volumes */
  podDir: string;
  /** the kubeconfig members use to reach the sandbox API */
  kubeconfig: string;
  /** what makes the pod's processes resolve Service names (service-hosts.ts) */
  serviceEnv: Record<string, string>;
}

interface Entry {
  member?: Member;
  ip: string;
  uid: string;
  /** the Spilo container's name and its resolved environment, for exec */
  container: string;
  env?: Record<string, string>;
  dir?: string;
  options?: StartMemberOptions;
  restarts: number;
  restarting?: boolean;
  /** a start or restart in flight: stopping waits for it, so what it starts is stopped too */
  busy?: Promise<void>;
  /** when the crashed container may start again (kubelet back-off) */
  restartAt?: number;
  /** the sandbox's WAL-G stand-in, when the pod configures a backup store or an S3 clone */
  backup?: MemberBackup;
}

/** Kubernetes' crash back-off: 10 s, doubling, at most 5 minutes. */
const backoffMs = (restarts: number) => Math.min(10_000 * 2 ** restarts, 300_000);
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const notReady = () => ({ type: 'Ready', status: 'False', lastTransitionTime: now() });

export class Kubelet {
  private readonly registry: Registry;
  private readonly o: Required<KubeletOptions>;
  private readonly pods: ResourceType;
  private readonly write: PodWriter;
  private readonly members = new Map<string, Entry>();
  /** members still shutting down, by directory: a recreated pod waits for its old self to let go of the data */
  private readonly stopping = new Map<string, Promise<void>>();
  /** pods whose graceful deletion is under way (their update events keep coming meanwhile) */
  private readonly terminating = new Set<string>();
  private readonly ips = new Set<number>();
  private readonly hosts: ServiceHosts;
  /** connection-pooler pods: a real PgBouncer each (pooler-pod.ts) */
  private readonly poolers: PoolerPods;
  /** the Node object this kubelet registers, and its taints */
  private readonly node: NodeAgent;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private readonly baseBackups = new BaseBackupScheduler();

  constructor(registry: Registry, opts: KubeletOptions) {
    this.registry = registry;
    this.o = { subnet: 40, readinessIntervalMs: 2000, ...opts };
    this.pods = registry.catalog.get('v1', 'pods')!;
    this.write = new PodWriter(registry);
    this.hosts = new ServiceHosts(registry, join(this.o.root, 'service-hosts'));
    this.poolers = new PoolerPods(registry, this.o.root, this.write, { take: () => this.allocateIp(), give: (ip) => this.ips.delete(Number(ip.split('.')[3])) });
    this.node = new NodeAgent(registry, {
      deleter: this.o.deleter,
      onTaintsChanged: () => {
        for (const p of registry.store.list(storageKey(this.pods))) this.observe(p);
      },
    });
    this.unsubscribe = registry.store.subscribe(storageKey(this.pods), (ev) => (ev.type === 'DELETED' ? void this.gone(ev.object) : this.observe(ev.object)));
    for (const p of registry.store.list(storageKey(this.pods))) this.observe(p);
    this.timer = setInterval(() => void this.probe(), this.o.readinessIntervalMs);
  }

  private observe(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) void this.terminate(pod);
    else void this.ensure(pod);
  }

  private key(p: KubeObject): string {
    return `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`;
  }

  private allocateIp(): string {
    for (let i = 1; i < 255; i++) {
      if (!this.ips.has(i)) {
        this.ips.add(i);
        return `127.0.${this.o.subnet}.${i}`;
      }
    }
    throw new Error('no free loopback address for another pod');
  }

  /** The pgdata claim's directory, or the pod's own for pods without one. */
  /** the uid of the pod's pgdata claim, when it has one */
  private claimUid(pod: KubeObject): string | undefined {
    const volumes = (rec(pod.spec).volumes as Obj[] | undefined) ?? [];
    const claim = volumes.map((v) => rec(v.persistentVolumeClaim).claimName as string | undefined).find(Boolean);
    const claims = this.registry.catalog.get('v1', 'persistentvolumeclaims')!;
    return claim ? this.registry.find(claims, pod.metadata.namespace, claim)?.metadata.uid : undefined;
  }

  private dirFor(pod: KubeObject): string {
    const volumes = (rec(pod.spec).volumes as Obj[] | undefined) ?? [];
    const claim = volumes.map((v) => rec(v.persistentVolumeClaim).claimName as string | undefined).find(Boolean);
    const dir = claim ? join(this.o.root, 'volumes', pod.metadata.namespace!, claim) : join(this.o.root, 'pods', pod.metadata.namespace!, pod.metadata.name!);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  private ensure(pod: KubeObject): void {
    const container = spiloContainer(pod);
    const key = this.key(pod);
    if (!container && this.poolers.ensure(pod)) return;
    if (!container || this.members.has(key)) return;
    if (this.node.holdsBack(pod)) return; // an untolerated taint: Pending, as the scheduler leaves it
    const badImage = unpullableImage(container);
    if (badImage) {
      this.write.bind(pod);
      if (!JSON.stringify(rec(pod.status).containerStatuses ?? []).includes('ErrImagePull')) this.write.status(pod, imagePullStatus(container.name as string, badImage));
      return;
    }
    const ip = this.allocateIp();
    const entry: Entry = { ip, uid: pod.metadata.uid!, container: container.name as string, restarts: 0 };
    this.members.set(key, entry);
    entry.busy = (async () => {
      try {
        this.write.bind(pod);
        const env = resolveEnv(this.registry, pod, container, ip);
        entry.env = env;
        entry.dir = this.dirFor(pod);
        await this.stopping.get(entry.dir);
        if (this.members.get(key) !== entry) return; // deleted while it waited
        claimVolume(entry.dir, this.claimUid(pod));
        this.write.status(pod, { phase: 'Running', podIP: ip, podIPs: [{ ip }], hostIP: '127.0.0.1', startTime: now(), conditions: [notReady()] });
        // Patroni passes its environment on to PostgreSQL, so both resolve Service names.
        const member = memberOptions(pod, env, ip);
        entry.backup = prepareMemberBackup(env, entry.dir, member);
        entry.options = { ...member, ...(entry.backup ? { backup: entry.backup.hooks } : {}), dir: entry.dir, kubeconfig: this.o.kubeconfig, env: this.hosts.env(pod.metadata.namespace!) };
        entry.member = await startMember(entry.options);
        this.write.status(pod, { containerStatuses: [runningStatus(container.name as string, false, 0)] });
      } catch (e) {
        this.write.status(pod, { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletError', message: e instanceof Error ? e.message : String(e) }] });
      }
    })();
  }

  /**
   * A graceful deletion: the member stops (Patroni's clean shutdown, which hands
   * leadership over at once), its role label goes, and only then the pod
   * object, through a delete with grace 0, as a node confirms it.
   */
  private async terminate(pod: KubeObject): Promise<void> {
    const key = this.key(pod);
    if (this.terminating.has(key)) return;
    const entry = this.members.get(key);
    if (!entry && rec(pod.spec).nodeName !== NODE_NAME) return; // not a pod of ours
    this.terminating.add(key);
    try {
      if (entry) {
        this.write.status(pod, { conditions: [notReady()] });
        const graceMs = Date.parse(pod.metadata.deletionTimestamp!) - Date.now();
        await this.stopEntry(key, entry, { timeoutMs: Math.max(2_000, graceMs) });
        this.write.clearLabel(pod, entry.options?.roleLabel ?? 'spilo-role');
        this.write.status(pod, { containerStatuses: [terminatedStatus(entry.container, entry.restarts)] });
      }
      const fresh = this.registry.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
      if (fresh?.metadata.uid === pod.metadata.uid) {
        this.o.deleter.delete(this.pods, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      }
    } catch (e) {
      process.stderr.write(`sandbox kubelet: deleting ${pod.metadata.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    } finally {
      this.terminating.delete(key);
    }
  }

  /** The pod object is gone (grace 0, or a graceful deletion we completed): stop whatever still runs. */
  private async gone(pod: KubeObject): Promise<void> {
    this.poolers.stop(pod);
    const key = this.key(pod);
    const entry = this.members.get(key);
    if (entry) await this.stopEntry(key, entry);
  }

  private async stopEntry(key: string, entry: Entry, opts?: StopOptions): Promise<void> {
    if (this.members.get(key) === entry) this.members.delete(key);
    void this.baseBackups.forget(key);
    const done = (async () => {
      await entry.busy;
      await entry.member?.stop(opts);
    })().finally(() => {
      this.ips.delete(Number(entry.ip.split('.')[3]));
      if (entry.dir && this.stopping.get(entry.dir) === done) this.stopping.delete(entry.dir);
    });
    if (entry.dir) this.stopping.set(entry.dir, done);
    await done;
  }

  /** Readiness from Patroni's /readiness, as Spilo's probe does; written only when it changes. */
  private async probe(): Promise<void> {
    for (const [key, entry] of this.members) {
      if (!entry.member || entry.restarting) continue;
      const [ns, name] = key.split('/');
      const pod = this.registry.find(this.pods, ns, name);
      if (!pod || pod.metadata.uid !== entry.uid || pod.metadata.deletionTimestamp) continue;
      const container = spiloContainer(pod)?.name as string;
      if (!entry.member.running) {
        if (entry.restartAt === undefined) {
          // The container died: not ready, and not the leader any more, at once; the restart waits for the back-off.
          this.write.status(pod, { conditions: [notReady()], containerStatuses: [{ ...terminatedStatus(container, entry.restarts), state: { terminated: { exitCode: 137, reason: 'Error', finishedAt: now() } } }] });
          this.write.clearLabel(pod, entry.options?.roleLabel ?? 'spilo-role');
          entry.restartAt = Date.now() + backoffMs(entry.restarts);
        }
        if (Date.now() >= entry.restartAt) this.restart(pod, entry);
        continue;
      }
      const ready = await entry.member.rest('/readiness', { timeoutMs: 1000 }).then((r) => r.ok, () => false);
      const fresh = this.registry.find(this.pods, ns, name);
      if (!fresh || fresh.metadata.uid !== entry.uid || fresh.metadata.deletionTimestamp || this.members.get(key) !== entry) continue;
      const role = fresh.metadata.labels?.[entry.options?.roleLabel ?? 'spilo-role'];
      this.baseBackups.observe(key, ready && (role === 'master' || role === 'primary'), entry.backup?.argv, Number(entry.env?.BACKUP_INTERVAL_SECONDS) || undefined);
      if (ready !== isReady(fresh)) {
        this.write.status(fresh, {
          conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now() }],
          containerStatuses: [runningStatus(container, ready, entry.restarts)],
        });
      }
    }
  }

  /**
   * A container whose processes died is started again on the same data after
   * the back-off, and restartCount goes up, as on a node. The back-off is what
   * lets a crashed leader's lock expire so a replica takes over.
   */
  private restart(pod: KubeObject, entry: Entry): void {
    entry.restarting = true;
    entry.busy = (async () => {
      try {
        await entry.member?.stop({ timeoutMs: 2000 });
        entry.restarts++;
        this.write.status(pod, { conditions: [notReady()], containerStatuses: [runningStatus(spiloContainer(pod)?.name as string, false, entry.restarts)] });
        if (this.members.get(this.key(pod)) === entry) entry.member = await startMember(entry.options!);
        entry.restartAt = undefined;
      } catch (e) {
        process.stderr.write(`sandbox kubelet: restarting ${pod.metadata.name}: ${e instanceof Error ? e.message : String(e)}\n`);
      } finally {
        entry.restarting = false;
      }
    })();
  }

  private entryOf(namespace: string, name: string): Entry | undefined {
    for (const [key, entry] of this.members) if (key.startsWith(`${namespace}/${name}/`)) return entry;
    return undefined;
  }

  /** The running member of a pod: tests use it to crash one. */
  memberOf(namespace: string, name: string): Member | undefined {
    return this.entryOf(namespace, name)?.member;
  }

  /** A pod this kubelet runs, for exec and port-forward; undefined for pods it does not run. */
  runtime(namespace: string, name: string): PodRuntime | undefined {
    const e = this.entryOf(namespace, name);
    if (!e) return undefined;
    const podDir = join(this.o.root, 'pods', namespace, name);
    return { uid: e.uid, ip: e.ip, container: e.container, env: e.env, member: e.member, options: e.options, podDir, kubeconfig: this.o.kubeconfig, serviceEnv: this.hosts.env(namespace) };
  }

  /** The member's log (Patroni's, with PostgreSQL's output in it), for pods/log; undefined when no member runs. */
  log(namespace: string, name: string, tailLines?: number): string | undefined {
    return this.entryOf(namespace, name)?.member?.logTail(tailLines ?? 100_000);
  }

  /** Every member stops (the pods stay as they are: the node goes away, not the pods). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.poolers.stopAll();
    this.unsubscribe();
    this.node.stop();
    this.hosts.stop();
    await this.baseBackups.stop();
    await Promise.all([...this.members].map(([key, e]) => this.stopEntry(key, e)));
    await Promise.all([...this.stopping.values()]);
  }
}
