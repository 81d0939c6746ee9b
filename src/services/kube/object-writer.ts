// Every write the operator makes, through client-node's generic object API:
// create, merge patch, delete, replace (delete orphaning dependents, then
// create) and the status subresource. Each write is counted, so the bench and
// /metrics can show that a quiet cluster costs nothing.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';

type Obj = Record<string, unknown>;
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

export const MERGE_PATCH = 'application/merge-patch+json' as k8s.PatchStrategy;
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 64 characters of [a-zA-Z0-9], as Zalando generates them, without modulo bias */
export function generatePassword(length = 64): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALNUM[b % 62];
    }
  }
  return out;
}

export const statusCode = (e: unknown): number | undefined => (e instanceof k8s.ApiException ? e.code : undefined);

export class ObjectWriter {
  private readonly api: k8s.KubernetesObjectApi;
  private readonly custom: k8s.CustomObjectsApi;
  readonly writes = new Map<string, number>();
  /** creates in flight, by object: a second create of one waits for the first */
  private readonly creating = new Map<string, Promise<boolean>>();

  constructor(kc: k8s.KubeConfig) {
    this.api = k8s.KubernetesObjectApi.makeApiClient(kc);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  get totalWrites(): number {
    let n = 0;
    for (const v of this.writes.values()) n += v;
    return n;
  }

  private count(verb: string, kind: string): void {
    const key = `${verb} ${kind}`;
    this.writes.set(key, (this.writes.get(key) ?? 0) + 1);
  }

  /**
   * false when it already existed (our cache was behind). A create of an object another create is already
   * writing waits for that one: the reconciles of a namespace's clusters all want its ServiceAccount and
   * RoleBinding, and eight workers starting at once sent eight.
   */
  create(obj: Obj & ObjectRef): Promise<boolean> {
    const id = `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const pending = this.creating.get(id);
    if (pending) return pending.then(() => false);
    const sent = this.send(obj).finally(() => this.creating.delete(id));
    this.creating.set(id, sent);
    return sent;
  }

  private async send(obj: Obj & ObjectRef): Promise<boolean> {
    this.count('create', obj.kind);
    try {
      await this.api.create(obj);
      return true;
    } catch (e) {
      if (statusCode(e) === 409) return false;
      throw e;
    }
  }

  async patch(ref: ObjectRef, patch: Obj): Promise<void> {
    this.count('patch', ref.kind);
    const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...((patch.metadata as Obj) ?? {}), name: ref.metadata.name, namespace: ref.metadata.namespace } };
    await this.api.patch(body, undefined, undefined, 'zpg', undefined, MERGE_PATCH);
  }

  /** false when it was already gone */
  async delete(ref: ObjectRef, propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background'): Promise<boolean> {
    this.count('delete', ref.kind);
    try {
      await this.api.delete(strip(ref), undefined, undefined, undefined, undefined, propagationPolicy);
      return true;
    } catch (e) {
      if (statusCode(e) === 404) return false;
      throw e;
    }
  }

  /** For fields the API server will not change in place: the pods stay (orphaned, then adopted again) */
  async replace(obj: Obj & ObjectRef, timeoutMs = 30_000): Promise<void> {
    await this.delete(obj, 'Orphan');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.api.read(strip(obj));
      } catch (e) {
        if (statusCode(e) === 404) break;
        throw e;
      }
      if (Date.now() > deadline) throw new Error(`${obj.kind} ${obj.metadata.name} was not gone ${timeoutMs / 1000} s after its delete`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.create(obj);
  }

  async patchStatus(group: string, version: string, plural: string, namespace: string, name: string, status: Obj): Promise<void> {
    this.count('patch-status', plural);
    await this.custom.patchNamespacedCustomObjectStatus(
      { group, version, plural, namespace, name, body: { status } },
      k8s.setHeaderOptions('Content-Type', MERGE_PATCH),
    );
  }
}

const strip = (r: ObjectRef): ObjectRef => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.metadata.name, namespace: r.metadata.namespace } });
