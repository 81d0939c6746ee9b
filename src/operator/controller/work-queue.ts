// A keyed work queue in the manner of client-go's: a key waits at most once,
// is never handled by two workers at once (a key added while it is being
// handled runs again afterwards), and failures come back after an
// exponential back-off that success resets. A handler may ask to come back
// later (requeue-after), which is not a failure and resets the back-off.
import type { ReconcileResult } from './result.ts';

export interface WorkQueueOptions {
  workers: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  /** keys being handled, with when they started (ISO), for the operator API's worker status */
  private readonly active = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private running = 0;
  private stopped = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  private readonly handler: (key: string) => Promise<ReconcileResult | void>;
  private readonly opts: WorkQueueOptions;

  constructor(handler: (key: string) => Promise<ReconcileResult | void>, opts: WorkQueueOptions) {
    this.handler = handler;
    this.opts = opts;
    this.baseDelayMs = opts.baseDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 300_000;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /** add after a delay (a pending delayed add for the key is replaced) */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => (this.timers.delete(key), this.add(key)), delayMs);
    timer.unref?.();
    this.timers.set(key, timer);
  }

  /** forget a key's pending work and failure history (the object is gone) */
  forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.failures.delete(key);
  }

  inFlightKeys(): { key: string; since: string }[] {
    return [...this.active].map(([key, since]) => ({ key, since }));
  }

  get depth(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.running;
  }

  get retrying(): number {
    return this.timers.size;
  }

  /** resolves when nothing is queued or running (delayed retries do not count) */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** stop taking work; resolves when the keys in flight are done */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
    this.queued.clear();
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.opts.workers && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.active.set(key, new Date().toISOString());
      this.running++;
      void this.run(key);
    }
    if (this.queue.length === 0 && this.running === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async run(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
    } catch {
      // The handler reports its own errors; the queue only schedules the retry.
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.addAfter(key, Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)));
    } finally {
      this.active.delete(key);
      this.running--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}
