// Informer caches of postgresqls and their children, through client-node's
// ListWatch (restarted on errors by ResilientInformer). Reconciles read only
// from here: after the first lists, steady state costs the API nothing but
// the open watches.
import * as k8s from '@kubernetes/client-node';
import type { KubeObj } from '../build/cluster.ts';
import type { LiveView } from '../reconcile/plan.ts';
import { errorText } from '../../services/kube/config.ts';
import { ResilientInformer } from '../../services/kube/informer.ts';
import { collectionPath, WATCHED_KINDS, type WatchedKind } from './kinds.ts';

export type ChangeKind = 'add' | 'update' | 'delete';

export interface CacheOptions {
  /** undefined = every namespace */
  namespace?: string;
  clusterNameLabel: string;
  podServiceAccountName: string;
  onChange: (kind: WatchedKind, obj: KubeObj, change: ChangeKind) => void;
  onError?: (message: string) => void;
  restartDelayMs?: number;
}

export class ClusterCache implements LiveView {
  private readonly informers = new Map<string, ResilientInformer<k8s.KubernetesObject>>();

  constructor(kc: k8s.KubeConfig, opts: CacheOptions) {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const kind of WATCHED_KINDS) {
      const labelSelector = kind.owned ? opts.clusterNameLabel : undefined;
      const fieldSelector = kind.byName ? `metadata.name=${opts.podServiceAccountName}` : undefined;
      const informer = new ResilientInformer<k8s.KubernetesObject>(kc, {
        path: collectionPath(kind, opts.namespace),
        labelSelector,
        fieldSelector,
        restartDelayMs: opts.restartDelayMs,
        list: () => objects.list(kind.apiVersion, kind.kind, opts.namespace, undefined, undefined, undefined, fieldSelector, labelSelector),
        onError: (err, path, retryMs) => {
          const missingCrd = kind.kind === 'postgresql' && err instanceof k8s.ApiException && err.code === 404;
          const why = missingCrd ? 'HTTP 404: the postgresql CRD is not installed; kubectl apply -f deploy/crds/postgresql.yaml' : describe(err);
          opts.onError?.(`watch ${path} failed (${why}); retrying in ${retryMs} ms`);
        },
      });
      for (const change of ['add', 'update', 'delete'] as const) {
        informer.on(change, (obj) => {
          trim(kind.kind, obj);
          opts.onChange(kind, withKind(obj, kind), change);
        });
      }
      this.informers.set(kind.kind, informer);
    }
  }

  async start(): Promise<void> {
    const all = [...this.informers.values()];
    await Promise.all(all.map((i) => i.start()));
    await Promise.all(all.map((i) => i.synced));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  get(kind: string, namespace: string, name: string): KubeObj | undefined {
    const o = this.informers.get(kind)?.get(name, namespace);
    return o ? withKind(o, WATCHED_KINDS.find((k) => k.kind === kind)!) : undefined;
  }

  list(kind: string, namespace?: string): KubeObj[] {
    const w = WATCHED_KINDS.find((k) => k.kind === kind)!;
    return (this.informers.get(kind)?.list(namespace) ?? []).map((o) => withKind(o, w));
  }

  pods(namespace: string, selector: Record<string, string>): KubeObj[] {
    return this.list('Pod', namespace).filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
  }
}

/**
 * The cache keeps what the reconcile reads, nothing more: no managedFields, no
 * Secret values (the operator never reads a password back), and of a pod only
 * its metadata, status and the containers' image, env and resources. The
 * handler runs on the object the informer stores, so trimming here shrinks the
 * cache itself (a third of the daemon's heap at 1,000 clusters).
 */
function trim(kind: string, o: k8s.KubernetesObject): void {
  const obj = o as k8s.KubernetesObject & { data?: unknown; stringData?: unknown; spec?: { containers?: Record<string, unknown>[] } };
  if (obj.metadata) delete obj.metadata.managedFields;
  if (kind === 'Secret') {
    delete obj.data;
    delete obj.stringData;
  } else if (kind === 'Pod' && obj.spec) {
    const containers = (obj.spec.containers ?? []).map((c) => ({ name: c.name, image: c.image, env: c.env, resources: c.resources }));
    obj.spec = { containers };
  }
}

/** list items come without apiVersion/kind; the cache gives them back */
function withKind(o: k8s.KubernetesObject, kind: WatchedKind): KubeObj {
  if (o.kind && o.apiVersion) return o as KubeObj;
  return Object.assign(o, { kind: kind.kind, apiVersion: kind.apiVersion }) as KubeObj;
}

export function describe(err: unknown): string {
  if (err instanceof k8s.ApiException) return `HTTP ${err.code}`;
  return errorText(err);
}
