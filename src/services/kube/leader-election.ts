// Leader election on a coordination.k8s.io/v1 Lease, the way client-go does
// it: optimistic writes guarded by resourceVersion, expiry judged by this
// process's own clock from when it last saw the lease change (never by
// comparing clocks across machines), and a clean release on shutdown.
import * as k8s from '@kubernetes/client-node';
import { describeKubeError } from './config.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onError?: (message: string) => void;
}

const status = (e: unknown) => (e instanceof k8s.ApiException ? e.code : undefined);

export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly server: string;
  private readonly o: Required<Omit<LeaderElectionOptions, 'onError'>> & Pick<LeaderElectionOptions, 'onError'>;
  private timer?: NodeJS.Timeout;
  /** the round in flight: stop() waits for it, so no renewal lands after the release */
  private round?: Promise<void>;
  private stopped = false;
  private leading = false;
  private lastRenew = 0;
  /** what we last saw of someone else's lease, and when (our clock) */
  private observed?: { key: string; at: number };

  constructor(kc: k8s.KubeConfig, opts: LeaderElectionOptions) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.server = kc.getCurrentCluster()?.server ?? 'the API server';
    // An option passed as undefined keeps its default (a NaN timer would spin).
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as LeaderElectionOptions;
    this.o = { leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2, ...given };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.round = this.tick();
    }, ms);
  }

  /** Stops campaigning; a leader gives the lease up so a successor need not wait for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    this.setLeading(false);
    // Release whenever the lease names us: a round that won it just as we stopped counts too.
    try {
      const lease = await this.api.readNamespacedLease({ namespace: this.o.namespace, name: this.o.name });
      if (lease.spec?.holderIdentity !== this.o.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1, renewTime: new Date() };
      await this.api.replaceNamespacedLease({ namespace: this.o.namespace, name: this.o.name, body: lease });
    } catch (e) {
      if (status(e) !== 404) this.o.onError?.(`releasing lease ${this.o.namespace}/${this.o.name}: ${describeKubeError(e, this.server)}`);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const renewed = await this.tryAcquireOrRenew();
      if (renewed) this.lastRenew = Date.now();
      if (renewed && !this.leading && !this.stopped) this.setLeading(true);
    } catch (e) {
      this.o.onError?.(`lease ${this.o.namespace}/${this.o.name}: ${describeKubeError(e, this.server)}; retrying in ${this.o.retryPeriodSeconds} s`);
    }
    // A leader that cannot renew within the deadline must stop acting before someone else takes over.
    if (this.leading && Date.now() - this.lastRenew > this.o.renewDeadlineSeconds * 1000) this.setLeading(false);
    if (!this.stopped) this.schedule(this.o.retryPeriodSeconds * 1000);
  }

  private setLeading(v: boolean): void {
    if (this.leading === v) return;
    this.leading = v;
    if (v) this.o.onStartedLeading();
    else this.o.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.o;
    const now = new Date();
    let lease: k8s.V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ namespace, name });
    } catch (e) {
      if (status(e) !== 404) throw e;
      const body: k8s.V1Lease = {
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      return this.write(() => this.api.createNamespacedLease({ namespace, body }));
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    if (holder && holder !== identity) {
      const key = `${holder}|${String(spec.renewTime)}|${spec.leaseTransitions}`;
      if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
      const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (Date.now() - this.observed.at < duration) return false;
    }
    const taking = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(taking ? { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
    };
    return this.write(() => this.api.replaceNamespacedLease({ namespace, name, body: lease }));
  }

  /** A 409 means someone else wrote first: not an error, just not us this round. */
  private async write(fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (status(e) === 409) return false;
      throw e;
    }
  }
}
