// The sandbox kubelet: a Pod whose container carries Spilo's environment
// becomes a real Patroni + PostgreSQL member on its own loopback address. It
// reports Running and the pod IP, Ready from Patroni's /readiness, and stops
// the member when the pod goes. A pod's data lives in its pgdata claim's
// directory, so a recreated pod finds its data again.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../api/registry.ts';
import { storageKey } from '../api/resources.ts';
import type { KubeObject, ResourceType } from '../api/types.ts';
import { startMember, type Member } from '../patroni/member.ts';
import { memberOptions, resolveEnv, spiloContainer } from './spilo-env.ts';

export interface KubeletOptions {
  /** where volumes and member directories live */
  root: string;
  /** the kubeconfig members use to reach the sandbox API */
  kubeconfig: string;
  /** third octet of 127.0.x.y addresses handed to pods */
  subnet?: number;
  readinessIntervalMs?: number;
}

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export class Kubelet {
  private readonly registry: Registry;
  private readonly o: Required<KubeletOptions>;
  private readonly pods: ResourceType;
  private readonly members = new Map<string, { member?: Member; ip: string; dir?: string }>();
  /** members still shutting down, by directory: a recreated pod waits for its old self to let go of the data */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly ips = new Set<number>();
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(registry: Registry, opts: KubeletOptions) {
    this.registry = registry;
    this.o = { subnet: 40, readinessIntervalMs: 2000, ...opts };
    this.pods = registry.catalog.get('v1', 'pods')!;
    this.unsubscribe = registry.store.subscribe(storageKey(this.pods), (ev) => {
      if (ev.type === 'DELETED') void this.stopPod(ev.object);
      else if (!ev.object.metadata.deletionTimestamp) void this.ensure(ev.object);
    });
    for (const p of registry.store.list(storageKey(this.pods))) void this.ensure(p);
    this.timer = setInterval(() => void this.probe(), this.o.readinessIntervalMs);
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
  private dirFor(pod: KubeObject): string {
    const volumes = (rec(pod.spec).volumes as Obj[] | undefined) ?? [];
    const claim = volumes.map((v) => rec(v.persistentVolumeClaim).claimName as string | undefined).find(Boolean);
    const dir = claim ? join(this.o.root, 'volumes', pod.metadata.namespace!, claim) : join(this.o.root, 'pods', pod.metadata.namespace!, pod.metadata.name!);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  private async ensure(pod: KubeObject): Promise<void> {
    const container = spiloContainer(pod);
    const key = this.key(pod);
    if (!container || this.members.has(key)) return;
    const ip = this.allocateIp();
    const entry: { member?: Member; ip: string; dir?: string } = { ip };
    this.members.set(key, entry);
    try {
      const env = resolveEnv(this.registry, pod, container, ip);
      entry.dir = this.dirFor(pod);
      await this.stopping.get(entry.dir);
      this.setStatus(pod, { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now(), conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: now() }] });
      entry.member = await startMember({ ...memberOptions(pod, env, ip), dir: entry.dir, kubeconfig: this.o.kubeconfig });
    } catch (e) {
      this.setStatus(pod, { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletError', message: e instanceof Error ? e.message : String(e) }] });
    }
    if (!this.members.has(key)) await entry.member?.stop(); // the pod went while we started it
  }

  private async stopPod(pod: KubeObject): Promise<void> {
    const key = this.key(pod);
    const entry = this.members.get(key);
    if (!entry) return;
    this.members.delete(key);
    const done = (entry.member?.stop() ?? Promise.resolve()).finally(() => {
      this.ips.delete(Number(entry.ip.split('.')[3]));
      if (entry.dir && this.stopping.get(entry.dir) === done) this.stopping.delete(entry.dir);
    });
    if (entry.dir) this.stopping.set(entry.dir, done);
    await done;
  }

  /** Readiness from Patroni's /readiness, as Spilo's probe does; written only when it changes. */
  private async probe(): Promise<void> {
    for (const [key, entry] of this.members) {
      if (!entry.member) continue;
      const [ns, name] = key.split('/');
      const pod = this.registry.find(this.pods, ns, name);
      if (!pod) continue;
      const ready = await entry.member.rest('/readiness', { timeoutMs: 1000 }).then((r) => r.ok, () => false);
      const was = ((rec(pod.status).conditions as { type: string; status: string }[] | undefined) ?? []).find((c) => c.type === 'Ready')?.status === 'True';
      if (ready !== was) this.setStatus(pod, { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now() }] });
    }
  }

  private setStatus(pod: KubeObject, patch: Obj): void {
    const fresh = this.registry.find(this.pods, pod.metadata.namespace, pod.metadata.name!);
    if (!fresh || fresh.metadata.uid !== pod.metadata.uid) return;
    this.registry.update(this.pods, pod.metadata.namespace, pod.metadata.name!, { ...fresh, status: { ...rec(fresh.status), ...patch } }, { subresource: 'status' });
  }

  /** The member's log (Patroni's, with PostgreSQL's output in it), for pods/log; undefined when no member runs. */
  log(namespace: string, name: string, tailLines?: number): string | undefined {
    for (const [key, entry] of this.members) {
      if (key.startsWith(`${namespace}/${name}/`) && entry.member) return entry.member.logTail(tailLines ?? 100_000);
    }
    return undefined;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    await Promise.all([...this.members.values()].map((e) => e.member?.stop()));
    this.members.clear();
  }
}
