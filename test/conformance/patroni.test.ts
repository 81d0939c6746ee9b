// Real Patroni 3.0.2 + PostgreSQL 15 members using the sandbox API as their
// Kubernetes DCS, in both of Patroni's modes. Whatever Patroni needs from an
// API server (watch=True, chunked watches, SMP with null deletes, the
// resourceVersion precondition) is exercised by the real thing here.
import * as k8s from '@kubernetes/client-node';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { preflight, startMember, type Member } from '../../src/sandbox/patroni/member.ts';
import { eventually, startTestApi, type TestApi } from '../helpers/sandbox.ts';

// Short timings (Patroni's own are 30/10/10): bootstrap and switchover in seconds.
const DCS = { ttl: 10, loopWait: 2, retryTimeout: 4 };
const SELECTOR_LABELS = { application: 'spilo' };
const ROLE = 'spilo-role';

let t: TestApi | undefined;
let base = '';
let failed = false;
const scopes: string[] = [];

beforeAll(async () => {
  const check = preflight();
  if (!check.ok) throw new Error(check.message);
  t = await startTestApi();
  base = mkdtempSync(join(tmpdir(), 'zpg-patroni-'));
  chmodSync(base, 0o755); // members run as postgres and must reach their directories
});

beforeEach((ctx) => ctx.onTestFailed(() => void (failed = true)));

afterAll(async () => {
  await t?.close();
  for (const scope of scopes) expect(leftovers(scope), `processes of ${scope} left running`).toEqual([]);
  // On failure the logs stay for a post-mortem; the assertion messages carry their tails too.
  if (failed) console.error(`patroni test: member logs kept in ${base}`);
  else if (base) rmSync(base, { recursive: true, force: true });
});

function leftovers(scope: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', scope], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

interface ClusterJson {
  members: { name: string; role: string; state: string; host: string }[];
}

interface LeaderEvent {
  type: string;
  rv: number;
  leader?: string;
  transitions?: string;
  subsetIps: string[];
  /** pods labelled master when the event arrived */
  masters: string[];
}

interface Mode {
  title: string;
  useEndpoints: boolean;
  scope: string;
  namespace: string;
  ipPrefix: string;
  /** also crash the leader and watch the survivors race for the lock (costs about ttl seconds) */
  crashFailover: boolean;
}

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategicPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

/** One Patroni cluster under test, with recorders for the leader object and the pods' role labels. */
class Harness {
  readonly mode: Mode;
  readonly members: Member[] = [];
  readonly events: LeaderEvent[] = [];
  /** every moment at which two pods carried the master label */
  readonly doubleMasters: string[][] = [];
  readonly timings: string[] = [];
  readonly names: string[];
  private core!: k8s.CoreV1Api;
  private pods?: k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>;
  private watch?: AbortController;
  private stopped = false;

  constructor(mode: Mode) {
    this.mode = mode;
    this.names = [0, 1, 2].map((i) => `${mode.scope}-${i}`);
  }

  get ns(): string {
    return this.mode.namespace;
  }
  get selector(): string {
    return `application=spilo,cluster-name=${this.mode.scope}`;
  }
  /** ConfigMap `<scope>-leader`, or Endpoints `<scope>` (which the master Service follows) */
  get leaderName(): string {
    return this.mode.useEndpoints ? this.mode.scope : `${this.mode.scope}-leader`;
  }
  ip(name: string): string {
    return `${this.mode.ipPrefix}.${this.names.indexOf(name) + 1}`;
  }
  member(name: string): Member {
    return this.members.find((m) => m.name === name)!;
  }

  async start(api: TestApi): Promise<void> {
    const t0 = Date.now();
    this.core = api.kc.makeApiClient(k8s.CoreV1Api);
    await this.core.createNamespace({ body: { metadata: { name: this.ns } } });
    // Patroni only PATCHes its pod: it must exist, with its IP, before Patroni starts.
    for (const name of this.names) {
      const labels = { ...SELECTOR_LABELS, 'cluster-name': this.mode.scope };
      const spec = { containers: [{ name: 'postgres', image: 'ghcr.io/zalando/spilo-15:3.0-p1' }] };
      await this.core.createNamespacedPod({ namespace: this.ns, body: { metadata: { name, labels }, spec } });
      const status = { phase: 'Running', podIP: this.ip(name), podIPs: [{ ip: this.ip(name) }] };
      await this.core.patchNamespacedPodStatus({ namespace: this.ns, name, body: { status } }, mergePatch);
    }
    await this.startPodInformer(api.kc);
    await this.watchLeader(api.kc);
    const passwords = { superuser: { password: secret() }, replication: { password: secret() } };
    const started = await Promise.allSettled(
      this.names.map((name) =>
        startMember({
          ...passwords,
          scope: this.mode.scope,
          name,
          namespace: this.ns,
          ip: this.ip(name),
          useEndpoints: this.mode.useEndpoints,
          labels: SELECTOR_LABELS,
          roleLabel: ROLE,
          dcs: DCS,
          dir: join(base, this.mode.scope, name),
          kubeconfig: api.kubeconfig,
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') this.members.push(s.value);
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    this.timings.push(`members spawned ${secs(t0)}`);
  }

  private async startPodInformer(kc: k8s.KubeConfig): Promise<void> {
    const path = `/api/v1/namespaces/${this.ns}/pods`;
    const pods = k8s.makeInformer(kc, path, () => this.core.listNamespacedPod({ namespace: this.ns, labelSelector: this.selector }), this.selector);
    const sample = () => {
      const masters = this.masters();
      if (masters.length > 1) this.doubleMasters.push(masters);
    };
    for (const verb of ['add', 'update', 'delete'] as const) pods.on(verb, sample);
    this.pods = pods;
    await pods.start();
  }

  masters(): string[] {
    return (this.pods?.list(this.ns) ?? []).filter((p) => p.metadata?.labels?.[ROLE] === 'master').map((p) => p.metadata!.name!).sort();
  }

  /** Every event of the leader object, resumed from the last resourceVersion if the server closes the watch. */
  private async watchLeader(kc: k8s.KubeConfig, resourceVersion?: string): Promise<void> {
    const kind = this.mode.useEndpoints ? 'endpoints' : 'configmaps';
    const path = `/api/v1/namespaces/${this.ns}/${kind}`;
    const query = { fieldSelector: `metadata.name=${this.leaderName}`, ...(resourceVersion ? { resourceVersion } : {}) };
    this.watch = await new k8s.Watch(kc).watch(
      path,
      query,
      (type, obj: k8s.V1ConfigMap & k8s.V1Endpoints) => {
        if (type === 'BOOKMARK' || type === 'ERROR') return;
        const ann = obj.metadata?.annotations ?? {};
        const subsetIps = (obj.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
        const rv = Number(obj.metadata?.resourceVersion);
        this.events.push({ type, rv, leader: ann.leader, transitions: ann.transitions, subsetIps, masters: this.masters() });
      },
      () => {
        if (this.stopped) return;
        const last = this.events.at(-1);
        void this.watchLeader(kc, last ? String(last.rv) : resourceVersion).catch(() => {});
      },
    );
  }

  async readLeader(): Promise<k8s.V1ConfigMap | k8s.V1Endpoints> {
    const req = { namespace: this.ns, name: this.leaderName };
    return this.mode.useEndpoints ? this.core.readNamespacedEndpoints(req) : this.core.readNamespacedConfigMap(req);
  }

  patchLeader(body: object): Promise<unknown> {
    const req = { namespace: this.ns, name: this.leaderName, body };
    return this.mode.useEndpoints
      ? this.core.patchNamespacedEndpoints(req, strategicPatch)
      : this.core.patchNamespacedConfigMap(req, strategicPatch);
  }

  /** The new holder sets subsets only after promoting, one write after taking the lock. */
  async endpointsPointAt(name: string): Promise<void> {
    await eventually(`leader Endpoints pointing at ${name}`, async () => {
      const subsets = ((await this.readLeader()) as k8s.V1Endpoints).subsets ?? [];
      return JSON.stringify(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip))) === JSON.stringify([this.ip(name)]);
    }, 10_000, 100);
  }

  /** Drops a pod's role label, as a kubelet restarting a dead container would. */
  async unlabel(name: string): Promise<void> {
    await this.core.patchNamespacedPod({ namespace: this.ns, name, body: { metadata: { labels: { [ROLE]: null } } } }, mergePatch);
  }

  async cluster(m: Member): Promise<ClusterJson> {
    const res = await m.rest('cluster');
    if (res.status !== 200) throw new Error(`GET /cluster on ${m.name}: ${res.status}`);
    return (await res.json()) as ClusterJson;
  }

  async roles(): Promise<Record<string, string | undefined>> {
    const list = await this.core.listNamespacedPod({ namespace: this.ns, labelSelector: this.selector });
    return Object.fromEntries(list.items.map((p) => [p.metadata!.name!, p.metadata?.labels?.[ROLE]]));
  }

  /** Waits until /cluster shows all three running with `leader` leading, and returns the view. */
  async settled(leader?: string, timeoutMs = 45_000): Promise<ClusterJson> {
    return waitFor(
      `3 running members${leader ? ` led by ${leader}` : ''} in /cluster`,
      async () => {
        const c = await this.cluster(this.members[0]);
        const leaders = c.members.filter((m) => m.role === 'leader');
        const ok = c.members.length === 3 && leaders.length === 1 && c.members.every((m) => m.state === 'running');
        return ok && (!leader || leaders[0].name === leader) ? c : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /** Log tails of the given members (all by default), appended to a failing assertion. */
  async withClues<T>(fn: () => Promise<T>, names: string[] = this.names): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Error) {
        const tails = names.map((n) => this.member(n)).filter(Boolean).map((m) => `--- ${m.name} (${m.ip}) ${m.logFile} ---\n${m.logTail(30)}`);
        e.message += `\n${tails.join('\n')}\n--- leader object events ---\n${this.events.map((ev) => JSON.stringify(ev)).join('\n')}`;
      }
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const t0 = Date.now();
    // Even if one stop throws, the others must still run.
    const results = await Promise.allSettled(this.members.map((m) => m.stop({ timeoutMs: 15_000 })));
    this.timings.push(`stopped ${secs(t0)}`);
    this.watch?.abort();
    await this.pods?.stop();
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
  }
}

const secret = () => randomBytes(12).toString('hex');

/** eventually() for checks that return the value they waited for, or undefined. */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, stepMs = 100): Promise<T> {
  return (await eventually(what, fn, timeoutMs, stepMs)) as T;
}
const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function clusterSuite(mode: Mode): void {
  describe(mode.title, () => {
    const h = new Harness(mode);
    let leader = '';
    let candidate = '';
    let survivor = '';
    scopes.push(mode.scope);

    beforeAll(async () => {
      await h.start(t!);
    }, 60_000);

    afterAll(async () => {
      await h.stop();
      console.info(`patroni ${mode.title}: ${h.timings.join(', ')}`);
    }, 60_000);

    it('bootstraps exactly one leader, named in the leader object and labelled master on its pod', async () => {
      await h.withClues(async () => {
        const t0 = Date.now();
        const view = await h.settled();
        h.timings.push(`bootstrapped ${secs(t0)}`);
        leader = view.members.find((m) => m.role === 'leader')!.name;
        const obj = await h.readLeader();
        expect(obj.metadata?.annotations?.leader).toBe(leader);
        if (mode.useEndpoints) {
          // Patroni takes the lock first and writes the leader's address on its next update.
          const subsets = await eventually('leader address in the Endpoints', async () => {
            const s = ((await h.readLeader()) as k8s.V1Endpoints).subsets ?? [];
            return s.length > 0 ? s : undefined;
          }, 10_000, 100) ?? [];
          expect(subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip))).toEqual([h.ip(leader)]);
          expect(subsets[0].ports?.map((p) => p.port)).toEqual([5432]);
        }
        const want = Object.fromEntries(h.names.map((n) => [n, n === leader ? 'master' : 'replica']));
        await eventually('pod role labels', async () => JSON.stringify(await h.roles()) === JSON.stringify(want), 20_000, 200);
      });
    });

    it('GET /cluster on any member lists the three members with one leader', async () => {
      await h.withClues(async () => {
        for (const m of h.members) {
          const c = await waitFor(`/cluster on ${m.name}`, async () => {
            const c = await h.cluster(m);
            return c.members.length === 3 ? c : undefined;
          }, 10_000);
          expect(c.members.map((x) => x.name).sort()).toEqual(h.names);
          expect(c.members.filter((x) => x.role === 'leader').map((x) => x.name)).toEqual([leader]);
          expect(Object.fromEntries(c.members.map((x) => [x.name, x.host]))).toEqual(Object.fromEntries(h.names.map((n) => [n, h.ip(n)])));
        }
      });
    });

    it('switches over through the REST API: the candidate leads, its pod is master, the old leader a replica', async () => {
      expect(leader, 'needs the bootstrap test').not.toBe('');
      candidate = h.names.find((n) => n !== leader)!;
      await h.withClues(async () => {
        const t0 = Date.now();
        const res = await h.member(leader).rest('switchover', {
          method: 'POST',
          body: JSON.stringify({ leader, candidate }),
          timeoutMs: 30_000,
        });
        expect(`${res.status} ${await res.text()}`).toBe(`200 Successfully switched over to "${candidate}"`);
        h.timings.push(`switchover answered ${secs(t0)}`);
        await eventually('leader object names the candidate', async () => (await h.readLeader()).metadata?.annotations?.leader === candidate, 10_000, 100);
        if (mode.useEndpoints) await h.endpointsPointAt(candidate);
        await h.settled(candidate);
        const want = Object.fromEntries(h.names.map((n) => [n, n === candidate ? 'master' : 'replica']));
        await eventually('pod role labels after the switchover', async () => JSON.stringify(await h.roles()) === JSON.stringify(want), 20_000, 200);
        h.timings.push(`all running after switchover ${secs(t0)}`);
      }, [leader, candidate]);
    });

    it('API: two concurrent strategic-merge PATCHes with one resourceVersion give one 200 and one 409', async () => {
      await h.withClues(async () => {
        let codes: number[] = [];
        let conflictBody = '';
        // Patroni renews this object every loop_wait; if its write lands between our read and
        // our PATCHes both of ours lose, which is correct too: then try again.
        for (let attempt = 0; attempt < 5; attempt++) {
          const rv = (await h.readLeader()).metadata!.resourceVersion!;
          const racer = (who: string) =>
            h.patchLeader({ metadata: { namespace: h.ns, name: h.leaderName, annotations: { 'zpg.test/racer': who }, resourceVersion: rv } }).then(
              () => 200,
              (e: unknown) => {
                if (!(e instanceof k8s.ApiException)) throw e;
                conflictBody = String(e.body);
                return e.code as number;
              },
            );
          codes = (await Promise.all([racer('a'), racer('b')])).sort();
          if (codes.join() !== '409,409') break;
        }
        expect(codes).toEqual([200, 409]);
        expect(conflictBody).toContain('"reason":"Conflict"');
        // Patroni takes the foreign write in its stride: the holder keeps renewing the lock.
        const renewed = (await h.readLeader()).metadata?.annotations?.renewTime;
        await eventually('the holder renews the lock after the race', async () => {
          const a = (await h.readLeader()).metadata?.annotations ?? {};
          return a.leader === candidate && a.renewTime !== renewed;
        }, 3 * DCS.loopWait * 1000, 100);
      }, [candidate]);
    });

    if (mode.crashFailover) it('after a crash of the leader (Patroni and postmaster SIGKILLed) one survivor takes the lock', async () => {
      expect(candidate, 'needs the switchover test').not.toBe('');
      const dead = h.member(candidate);
      await h.withClues(async () => {
        await dead.kill();
        expect(dead.running).toBe(false);
        expect(leftovers(dead.dataDir), 'processes of the killed member').toEqual([]);
        // What the kubelet would do for a dead container; Patroni never touches a dead member's pod.
        await h.unlabel(dead.name);
        const t0 = Date.now();
        survivor = await waitFor('a survivor holds the lock', async () => {
          const holder = (await h.readLeader()).metadata?.annotations?.leader;
          return holder && holder !== dead.name ? holder : undefined;
        }, 4 * DCS.ttl * 1000, 100);
        h.timings.push(`failover after crash ${secs(t0)}`);
        const want = Object.fromEntries(h.names.map((n) => [n, n === survivor ? 'master' : n === dead.name ? undefined : 'replica']));
        await eventually('pod role labels after the failover', async () => JSON.stringify(await h.roles()) === JSON.stringify(want), 20_000, 200);
        if (mode.useEndpoints) await h.endpointsPointAt(survivor);
      });
    });

    it('two racing members never both hold the leader lock', async () => {
      expect(candidate, 'needs the switchover test').not.toBe('');
      await h.withClues(async () => {
        const ev = h.events;
        expect(ev.length).toBeGreaterThan(1);
        // One bootstrap winner created the object; nobody deleted and re-created it.
        expect(ev.filter((e) => e.type !== 'MODIFIED').map((e) => e.type)).toEqual(['ADDED']);
        const rvs = ev.map((e) => e.rv);
        expect(rvs).toEqual([...rvs].sort((a, b) => a - b));
        expect(new Set(rvs).size).toBe(rvs.length);
        // The lock went bootstrap leader -> candidate (-> survivor of the crash), and never anywhere else.
        const want = [leader, candidate, ...(mode.crashFailover ? [survivor] : [])];
        const holders = ev.map((e) => e.leader).filter((l): l is string => Boolean(l));
        expect(holders.filter((l, i) => l !== holders[i - 1])).toEqual(want);
        const transitions = ev.map((e) => e.transitions).filter((x, i, a) => x !== undefined && x !== a[i - 1]);
        expect(transitions).toEqual(want.map((_, i) => String(i)));
        if (mode.useEndpoints) {
          // The master Service follows these subsets: they may only ever name the holder.
          for (const e of ev) if (e.subsetIps.length) expect(e.subsetIps).toEqual([h.ip(e.leader ?? '')]);
        }
        expect(h.doubleMasters, 'moments with two pods labelled master').toEqual([]);
        for (const e of ev) expect(e.masters.length, `masters at rv ${e.rv}`).toBeLessThanOrEqual(1);
      });
    });
  });
}

clusterSuite({ title: 'ConfigMap mode', useEndpoints: false, scope: 'zpgconf-cm', namespace: 'patroni-cm', ipPrefix: '127.0.21', crashFailover: false });
clusterSuite({ title: 'Endpoints mode', useEndpoints: true, scope: 'zpgconf-ep', namespace: 'patroni-ep', ipPrefix: '127.0.22', crashFailover: true });
