// The sandbox's controllers: they watch the store in-process and write through
// the registry like any client, so watchers see what they do. Work is keyed
// per object and coalesced, and a failing object never stops the others.
import type { Deleter } from '../api/deletion.ts';
import type { Registry } from '../api/registry.ts';
import type { StoreEvent } from '../api/store.ts';
import { CronJobController } from './cronjob.ts';
import { DeploymentController } from './deployment.ts';
import { EndpointsController } from './endpoints.ts';
import { JobController } from './job.ts';
import { StatefulSetController } from './statefulset.ts';

const DRAIN_SLICE_MS = 20;

interface Controller {
  owners(ev: StoreEvent): string[];
  sync(key: string): void;
}

export interface Controllers {
  /** the CronJob clock: runs every 10 s by itself; tests with an injected clock call it */
  tick(): void;
  stop(): void;
}

export function startControllers(registry: Registry, deleter: Deleter): Controllers {
  const cron = new CronJobController(registry, deleter);
  const controllers: Controller[] = [
    new StatefulSetController(registry, deleter),
    new DeploymentController(registry, deleter),
    new JobController(registry),
    cron,
    new EndpointsController(registry),
  ];
  const queue = new Map<Controller, Set<string>>(controllers.map((c) => [c, new Set()]));
  let scheduled = false;
  let stopped = false;
  // One drain works for at most DRAIN_SLICE_MS, then yields to the API's requests and goes on at the next turn.
  const drain = () => {
    scheduled = false;
    if (stopped) return;
    const until = performance.now() + DRAIN_SLICE_MS;
    for (const c of controllers) {
      const keys = queue.get(c)!;
      for (const key of [...keys]) {
        if (performance.now() > until) return schedule();
        keys.delete(key);
        try {
          c.sync(key);
        } catch (e) {
          process.stderr.write(`sandbox controller ${c.constructor.name} ${key}: ${e instanceof Error ? e.message : String(e)}\n`);
        }
      }
    }
  };
  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  };
  const unsubscribe = registry.store.subscribe('*', (ev) => {
    for (const c of controllers) for (const key of c.owners(ev)) queue.get(c)!.add(key);
    schedule();
  });
  const tick = () => {
    for (const key of cron.all()) queue.get(cron)!.add(key);
    schedule();
  };
  const timer = setInterval(tick, 10_000);
  timer.unref();
  return {
    tick,
    stop() {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
    },
  };
}

/** What a kubelet does when a pod's containers are up: Running, an IP, Ready. For tests and the demo without pods. */
export function markPodReady(registry: Registry, namespace: string, name: string, ip: string): void {
  const pods = registry.catalog.get('v1', 'pods')!;
  const pod = registry.get(pods, namespace, name);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  registry.update(pods, namespace, name, { ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }, { type: 'ContainersReady', status: 'True', lastTransitionTime: now }] } }, { subresource: 'status' });
}
