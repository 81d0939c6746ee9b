// client-node's informer, made to survive: it stops for good on any error but
// 410, so this wrapper restarts it after a pause (unless we are stopping, since
// stop() itself reports an AbortError), and offers a promise for the first list.
import * as k8s from '@kubernetes/client-node';

export type ListFn<T extends k8s.KubernetesObject> = () => Promise<k8s.KubernetesListObject<T>>;

export interface InformerOptions<T extends k8s.KubernetesObject> {
  path: string;
  list: ListFn<T>;
  labelSelector?: string;
  fieldSelector?: string;
  restartDelayMs?: number;
  /** told of every failure before the retry; the caller words it for its user */
  onError?: (err: unknown, path: string, retryMs: number) => void;
}

export type Handler<T> = (obj: T) => void;

/**
 * client-node's ListWatch opens its watch after the list answers without
 * asking whether it was stopped meanwhile, and keeps that watch where stop()
 * already looked: a switch of namespace during a list left a watch open that
 * kept the process alive after `q` (until the server closed it, minutes later).
 * This Watch opens nothing once stopped, and aborts what it opened too late.
 */
class StoppableWatch extends k8s.Watch {
  private readonly stopped: () => boolean;

  constructor(kc: k8s.KubeConfig, stopped: () => boolean) {
    super(kc);
    this.stopped = stopped;
  }

  override async watch(...args: Parameters<k8s.Watch['watch']>): ReturnType<k8s.Watch['watch']> {
    const none = new AbortController();
    if (this.stopped()) return none;
    const request = await super.watch(...args);
    if (this.stopped()) request.abort();
    return request;
  }
}

export class ResilientInformer<T extends k8s.KubernetesObject> {
  private readonly inner: k8s.ListWatch<T>;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private readonly restartDelayMs: number;
  private markSynced!: () => void;
  /** resolves once the first list has been read into the cache */
  readonly synced: Promise<void>;

  constructor(kc: k8s.KubeConfig, opts: InformerOptions<T>) {
    this.restartDelayMs = opts.restartDelayMs ?? 1000;
    this.synced = new Promise((r) => (this.markSynced = r));
    const list: ListFn<T> = async () => {
      const result = await opts.list();
      // The cache is filled right after this resolves; the next tick sees it.
      setImmediate(() => this.markSynced());
      return result;
    };
    this.inner = new k8s.ListWatch(opts.path, new StoppableWatch(kc, () => this.stopping), list, false, opts.labelSelector, opts.fieldSelector);
    this.inner.on('error', (err: unknown) => {
      if (this.stopping) return;
      opts.onError?.(err, opts.path, this.restartDelayMs);
      clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(() => void this.inner.start().catch(() => {}), this.restartDelayMs);
    });
  }

  on(event: 'add' | 'update' | 'delete', handler: Handler<T>): this {
    this.inner.on(event, handler);
    return this;
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.inner.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.inner.stop();
  }

  list(namespace?: string): readonly T[] {
    return this.inner.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.inner.get(name, namespace);
  }
}
