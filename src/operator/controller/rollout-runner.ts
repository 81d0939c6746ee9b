// Carries out the rolling update's next step (reconcile/rollout.ts decides
// it): deletes one pod so its StatefulSet recreates it from the current
// template, or asks Patroni's leader for the one switchover. Between steps it
// only waits, and tells the reconcile when to come back. What it keeps in
// memory (when it began waiting, which clusters hold a rollout slot) only
// sharpens timeouts and limits; the rollout's state is the pods' annotations.
import type { KubeObj } from '../build/cluster.ts';
import type { MaintenanceWindow } from '../model/maintenance-window.ts';
import { decideRollout, describeStep, isMarked, switchoverCandidate, type RolloutStep } from '../reconcile/rollout.ts';
import type { EventType } from '../../services/kube/events.ts';
import type { ObjectWriter } from '../../services/kube/object-writer.ts';
import type { Logger } from '../../services/log.ts';
import { PatroniClient, type PatroniTransport } from '../../services/patroni/client.ts';
import type { MemberAddress } from '../../services/patroni/transports.ts';
import { isLeaderRole } from '../../services/patroni/types.ts';

export interface RolloutDeps {
  writer: ObjectWriter;
  log: Logger;
  /** how Patroni's REST API is reached (pod IP in a cluster, port-forward outside); none: no switchover possible */
  patroni?: (m: MemberAddress) => PatroniTransport;
  now?: () => Date;
}

export interface RolloutCluster {
  key: string;
  namespace: string;
  name: string;
  pods: KubeObj[];
  wanted: number;
  roleLabel: string;
  maxLagBytes: number;
  windows: MaintenanceWindow[];
  timeoutMs: number;
  /** max_concurrent_rolling_updates; 0 = no limit */
  maxConcurrent: number;
  apiTimeoutMs: number;
}

export interface RolloutOutcome {
  /** the UpToDate condition while a rollout runs or stopped */
  condition?: { reason: string; message: string };
  /** the rollout stopped: status UpdateFailed */
  failed?: string;
  requeueAfterMs?: number;
}

interface State {
  since: Record<string, string>;
  active: boolean;
  told: Set<string>;
}

type Say = (type: EventType, reason: string, message: string) => Promise<void>;

const SLOT_WAIT_MS = 5_000;
const POLL_MS = 3_000;

export class RolloutRunner {
  private readonly d: RolloutDeps;
  private readonly states = new Map<string, State>();
  /** clusters whose rollout has taken a step and holds one of max_concurrent_rolling_updates */
  private readonly slots = new Set<string>();

  constructor(deps: RolloutDeps) {
    this.d = deps;
  }

  get rolling(): number {
    return this.slots.size;
  }

  forget(key: string): void {
    this.states.delete(key);
    this.slots.delete(key);
  }

  async step(c: RolloutCluster, say: Say): Promise<RolloutOutcome> {
    const now = this.d.now?.() ?? new Date();
    const st = this.states.get(c.key) ?? { since: {}, active: false, told: new Set<string>() };
    this.states.set(c.key, st);
    const once = async (type: EventType, reason: string, message: string, id = message) => {
      if (st.told.has(id)) return;
      st.told.add(id);
      await say(type, reason, message);
    };
    const step = decideRollout({
      cluster: c.name,
      pods: c.pods,
      wanted: c.wanted,
      roleLabel: c.roleLabel,
      maxLagBytes: c.maxLagBytes,
      now,
      since: st.since,
      timeoutMs: c.timeoutMs,
      active: st.active,
      windows: c.windows,
    });
    const described = describeStep(step);
    switch (step.kind) {
      case 'none':
        this.forget(c.key);
        return {};
      case 'done':
        if (st.active) await say('Normal', 'Update', 'Rolling update done - pods have been recreated');
        this.forget(c.key);
        return {};
      case 'wait': {
        st.since = step.pod ? { [step.pod]: step.since } : { '': step.since };
        await once('Normal', 'Update', `Rolling update: waiting for ${step.what.replace(/ \(now: .*\)$/, '')}`);
        const left = c.timeoutMs - (now.getTime() - Date.parse(step.since));
        return { condition: described, requeueAfterMs: Math.max(250, Math.min(POLL_MS, left + 50)) };
      }
      case 'failed': {
        st.since = { [step.pod]: step.since };
        this.slots.delete(c.key);
        const why = `Rolling update stopped at pod ${step.progress.n} of ${step.progress.total}: pod ${step.pod} ${step.reason}; no other pod is touched until it is fit`;
        await once('Warning', 'Update', why, `failed|${step.pod}`);
        this.d.log.warn('rolling update stopped', { cluster: c.key, pod: step.pod, reason: step.reason });
        return { condition: described, failed: why, requeueAfterMs: 10_000 };
      }
    }
    // recreate or switchover: a step that changes the cluster needs a slot
    if (!this.slots.has(c.key)) {
      if (c.maxConcurrent > 0 && this.slots.size >= c.maxConcurrent) {
        const message = `waiting for a rollout slot: ${this.slots.size} clusters are rolling (max_concurrent_rolling_updates=${c.maxConcurrent})`;
        await once('Normal', 'Update', `Rolling update: ${message}`, 'slot');
        return { condition: { reason: 'WaitingForSlot', message }, requeueAfterMs: SLOT_WAIT_MS };
      }
      this.slots.add(c.key);
    }
    if (!st.active) {
      st.active = true;
      await say('Normal', 'Update', 'Performing rolling update');
    }
    return step.kind === 'recreate' ? this.recreate(c, st, step, say) : this.switchover(c, st, step, once, say);
  }

  private async recreate(c: RolloutCluster, st: State, step: Extract<RolloutStep, { kind: 'recreate' }>, say: Say): Promise<RolloutOutcome> {
    const pod = c.pods.find((p) => p.metadata.name === step.pod)!;
    await say('Normal', 'Update', `Recreating pod ${step.pod} (${step.progress.n} of ${step.progress.total}, ${step.role}) for the rolling update`);
    this.d.log.info('rolling update: recreating pod', { cluster: c.key, pod: step.pod, role: step.role });
    await this.d.writer.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.metadata.name, namespace: c.namespace } });
    st.since = { [step.pod]: (this.d.now?.() ?? new Date()).toISOString() };
    st.told.clear();
    return { condition: describeStep(step), requeueAfterMs: 1_000 };
  }

  private async switchover(
    c: RolloutCluster,
    st: State,
    step: Extract<RolloutStep, { kind: 'switchover' }>,
    once: (type: EventType, reason: string, message: string, id?: string) => Promise<void>,
    say: Say,
  ): Promise<RolloutOutcome> {
    const described = describeStep(step);
    if (!this.d.patroni) return { condition: { reason: 'RollingUpdate', message: 'cannot reach Patroni for the switchover' }, requeueAfterMs: 10_000 };
    const leaderPod = c.pods.find((p) => p.metadata.name === step.from)!;
    const podIP = (leaderPod.status as { podIP?: string } | undefined)?.podIP;
    const client = new PatroniClient(this.d.patroni({ namespace: c.namespace, pod: step.from, podIP }), c.apiTimeoutMs);
    let view;
    try {
      view = await client.cluster();
    } catch (e) {
      return { condition: { reason: 'RollingUpdate', message: `switchover: Patroni on ${step.from} does not answer: ${String(e instanceof Error ? e.message : e)}` }, requeueAfterMs: POLL_MS };
    }
    // The labels may lag behind a switchover that already happened (or one a killed daemon asked for): never a second one.
    const leader = view.members.find((m) => isLeaderRole(m.role));
    if (leader?.name !== step.from) return { condition: { reason: 'RollingUpdate', message: `waiting for the pods' role labels to follow Patroni's leader ${leader?.name ?? '(none)'}` }, requeueAfterMs: 1_000 };
    if (view.scheduledSwitchover) {
      const at = view.scheduledSwitchover.at;
      const left = Date.parse(at) - (this.d.now?.() ?? new Date()).getTime();
      return {
        condition: { reason: 'SwitchoverScheduled', message: `pod ${step.progress.n} of ${step.progress.total}: switchover from ${step.from}${view.scheduledSwitchover.to ? ` to ${view.scheduledSwitchover.to}` : ''} scheduled at ${at}` },
        requeueAfterMs: Math.max(1_000, Math.min(30_000, left + 1_000)),
      };
    }
    const marked = new Set(c.pods.filter(isMarked).map((p) => p.metadata.name));
    const candidate = switchoverCandidate(view.members, step.from, marked, c.maxLagBytes);
    if (!candidate) {
      const message = `waiting for a replica that may take over from ${step.from} (running, within ${c.maxLagBytes} B of lag, no nofailover tag)`;
      await once('Normal', 'Update', `Rolling update: ${message}`, 'candidate');
      return { condition: { reason: 'RollingUpdate', message }, requeueAfterMs: POLL_MS };
    }
    if (step.scheduleAt) {
      try {
        await client.switchover(step.from, candidate.name, step.scheduleAt);
        await say('Normal', 'Switchover', `Switchover from "${step.from}" to "${candidate.name}" scheduled at ${step.scheduleAt} (the next maintenance window)`);
      } catch (e) {
        await once('Warning', 'Switchover', `Scheduling a switchover from "${step.from}" to "${candidate.name}" failed: ${errorOf(e)}`);
      }
      return { condition: described, requeueAfterMs: POLL_MS };
    }
    await say('Normal', 'Switchover', `Switching over from "${step.from}" to "${candidate.name}"`);
    try {
      await client.switchover(step.from, candidate.name);
      await say('Normal', 'Switchover', `Successfully switched over from "${step.from}" to "${candidate.name}"`);
      st.told.clear();
      return { condition: described, requeueAfterMs: 1_000 };
    } catch (e) {
      await say('Warning', 'Switchover', `Switchover from "${step.from}" to "${candidate.name}" FAILED: ${errorOf(e)}`);
      return { condition: { reason: 'RollingUpdate', message: `switchover from ${step.from} to ${candidate.name} failed; retrying: ${errorOf(e)}` }, requeueAfterMs: 5_000 };
    }
  }
}

const errorOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
