// Writes that tell about a cluster but build nothing of it: the Warning event
// and failed status of an invalid manifest, and the Normal events of a create.
// They run off the reconcile workers, a few at a time, as client-go records
// events in the background: a flood of bad manifests then costs the workers a
// validation each, and valid clusters are not queued behind its reports.
// A key's reports run in order; a reconcile of the key first waits for them,
// so its own status write is never overtaken by an older report.

export class ReportLane {
  private readonly pending = new Map<string, Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  private readonly concurrency: number;
  private readonly onError: (key: string, e: unknown) => void;

  constructor(opts: { concurrency: number; onError: (key: string, e: unknown) => void }) {
    this.concurrency = Math.max(1, opts.concurrency);
    this.onError = opts.onError;
  }

  /** runs `task` after the key's earlier reports, with at most `concurrency` tasks writing at once */
  add(key: string, task: () => Promise<void>): void {
    const next = (this.pending.get(key) ?? Promise.resolve()).then(() => this.inSlot(task)).catch((e: unknown) => this.onError(key, e));
    this.pending.set(key, next);
    void next.then(() => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    });
  }

  /** resolves once every report of `key` added so far is written (or has failed) */
  settled(key: string): Promise<void> {
    return this.pending.get(key) ?? Promise.resolve();
  }

  /** resolves once every report added so far is written (or has failed) */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending.values()]);
  }

  get depth(): number {
    return this.pending.size;
  }

  private async inSlot(task: () => Promise<void>): Promise<void> {
    while (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
