// Recreate one replica on a new volume: delete its PVC and its pod, and let
// the StatefulSet bring the member back empty, to be cloned from the leader.
// What has been done is kept in an annotation on the postgresql object, so a
// run that was interrupted (Ctrl-C, a lost bastion) is finished by running
// the same command again.
import * as k8s from '@kubernetes/client-node';
import { leaderOf, PG, podOf, type ClusterFacts, type TaskEnv } from './facts.ts';
import type { TaskPlan } from './runner.ts';
import { TaskRefused } from './types.ts';
import { healthy, summary, waitFor } from './wait.ts';

export const RECREATE_ANNOTATION = 'zpg.dev/recreate-member';

/** What the annotation holds: the member, and the uids of the pod and claim that must go. */
export interface RecreateState {
  member: string;
  claim: string;
  podUid: string;
  claimUid: string;
  startedAt: string;
}

export function recreateStateOf(f: ClusterFacts): RecreateState | undefined {
  const raw = f.pg.metadata?.annotations?.[RECREATE_ANNOTATION];
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as RecreateState;
  } catch {
    return undefined;
  }
}

const claimOf = (pod: k8s.V1Pod, member: string) => pod.spec?.volumes?.find((v) => v.name === 'pgdata')?.persistentVolumeClaim?.claimName ?? `pgdata-${member}`;

async function annotate(env: TaskEnv, name: string, value: string | null): Promise<void> {
  const custom = env.kc.makeApiClient(k8s.CustomObjectsApi);
  await custom.patchNamespacedCustomObject(
    { ...PG, namespace: env.namespace, name, body: { metadata: { annotations: { [RECREATE_ANNOTATION]: value } } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

export async function planRecreateMember(env: TaskEnv, f: ClusterFacts, req: { member: string; timeoutMs: number }): Promise<TaskPlan> {
  const core = env.kc.makeApiClient(k8s.CoreV1Api);
  const running = recreateStateOf(f);
  if (running && running.member !== req.member) {
    throw new TaskRefused(`a recreate of ${running.member} (started ${running.startedAt}) is unfinished; finish it first: zpg recreate-member ${f.name} ${running.member}`);
  }
  let state = running;
  if (!state) {
    const pod = podOf(f, req.member);
    const leader = leaderOf(f);
    if (req.member === leader) throw new TaskRefused(`${req.member} leads ${f.name}; switch over first (zpg switchover ${f.name}), then recreate it`);
    const others = f.health.members.filter((m) => m.fit && m.name !== req.member);
    if (others.length === 0) throw new TaskRefused(`${req.member} is the only healthy member of ${f.name}; recreating it would leave no copy of the data`);
    if (!leader) throw new TaskRefused(`${f.name} has no leader to clone a new ${req.member} from`);
    const claim = claimOf(pod, req.member);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: f.namespace, name: claim }).catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
    state = { member: req.member, claim, podUid: pod.metadata?.uid ?? '', claimUid: pvc?.metadata?.uid ?? '', startedAt: new Date().toISOString() };
  }
  const s0 = state;
  const m = req.member;
  return {
    kind: 'recreate-member',
    cluster: `${f.namespace}/${f.name}`,
    member: m,
    title: `recreate ${m} of ${f.name} on a new volume (PVC ${s0.claim})`,
    steps: [
      {
        name: `record the task on postgresql/${f.name} (annotation ${RECREATE_ANNOTATION})`,
        run: async (s) => {
          if (running) return s.skip(`resuming the run started ${running.startedAt}`);
          await annotate(env, f.name, JSON.stringify(s0));
        },
      },
      {
        name: `delete PVC ${s0.claim}`,
        run: async (s) => {
          const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: f.namespace, name: s0.claim }).catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
          if (!pvc || pvc.metadata?.uid !== s0.claimUid) return s.skip('already deleted');
          if (pvc.metadata?.deletionTimestamp) return s.skip('already being deleted (it goes when its pod goes)');
          await core.deleteNamespacedPersistentVolumeClaim({ namespace: f.namespace, name: s0.claim, body: { preconditions: { uid: s0.claimUid } } });
        },
      },
      {
        name: `delete pod ${m}`,
        run: async (s) => {
          const pod = await core.readNamespacedPod({ namespace: f.namespace, name: m }).catch((e: unknown) => (notFound(e) ? undefined : Promise.reject(e)));
          if (!pod || pod.metadata?.uid !== s0.podUid) return s.skip('already replaced');
          await core.deleteNamespacedPod({ namespace: f.namespace, name: m, body: { preconditions: { uid: s0.podUid } } });
        },
      },
      {
        name: `wait for a new pod ${m} on a new PVC ${s0.claim}`,
        run: async (s) => {
          const pvcs = async () => core.readNamespacedPersistentVolumeClaim({ namespace: f.namespace, name: s0.claim }).catch(() => undefined);
          const done = await waitFor(env, f.name, s, (now) => {
            const pod = now.pods.find((p) => p.metadata?.name === m);
            if (!pod || pod.metadata?.uid === s0.podUid) return `the StatefulSet to create a new pod ${m}`;
            return pod.status?.phase === 'Running' ? undefined : `pod ${m} to run (${pod.status?.phase ?? 'Pending'})`;
          }, req.timeoutMs);
          const pvc = await pvcs();
          if (pvc && pvc.metadata?.uid === s0.claimUid) throw new Error(`the new pod ${m} came back on the old PVC ${s0.claim}; delete the pod again, or run this command again`);
          return `pod ${done.pods.find((p) => p.metadata?.name === m)?.metadata?.uid ?? ''}, PVC ${pvc?.metadata?.uid ?? 'being created'}`;
        },
      },
      {
        name: `wait for ${m} to be cloned and stream`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, (now) => {
            const j = now.health.members.find((x) => x.name === m);
            return j?.fit ? undefined : `${m} to stream (${j?.reason ?? 'not seen'})`;
          }, req.timeoutMs);
          return summary(done);
        },
      },
      {
        name: `wait for ${f.name} to be healthy, then clear the annotation`,
        run: async (s) => {
          const done = await waitFor(env, f.name, s, healthy, req.timeoutMs);
          await annotate(env, f.name, null);
          s.result(`${m} recreated on a new volume; ${summary(done)}`);
          return summary(done);
        },
      },
    ],
  };
}

