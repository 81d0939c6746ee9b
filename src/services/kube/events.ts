// Kubernetes Events on the objects the operator manages, aggregated the way
// client-go's recorder does: the same reason and message on the same object
// bumps the count of one Event instead of writing another.
import type { ObjectWriter } from './object-writer.ts';

export interface Involved {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export type EventType = 'Normal' | 'Warning';

const AGGREGATE_MS = 10 * 60_000;

export class EventRecorder {
  private readonly seen = new Map<string, { name: string; count: number; at: number }>();
  private readonly writer: ObjectWriter;
  private readonly component: string;
  private readonly instance: string;
  private readonly onError: (message: string) => void;

  constructor(writer: ObjectWriter, opts: { component: string; instance: string; onError?: (message: string) => void }) {
    this.writer = writer;
    this.component = opts.component;
    this.instance = opts.instance;
    this.onError = opts.onError ?? (() => {});
  }

  /** never throws: an event that cannot be written is logged, the reconcile goes on */
  async record(on: Involved, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${on.namespace}/${on.kind}/${on.name}/${on.uid ?? ''}|${type}|${reason}|${message}`;
    const now = Date.now();
    const stamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const prior = this.seen.get(key);
    try {
      if (prior && now - prior.at < AGGREGATE_MS) {
        prior.count++;
        prior.at = now;
        await this.writer.patch({ apiVersion: 'v1', kind: 'Event', metadata: { name: prior.name, namespace: on.namespace } }, { count: prior.count, lastTimestamp: stamp });
        return;
      }
      const name = `${on.name}.${now.toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.writer.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: on.namespace },
        involvedObject: { apiVersion: on.apiVersion, kind: on.kind, name: on.name, namespace: on.namespace, uid: on.uid },
        type,
        reason,
        message: message.slice(0, 1024),
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        count: 1,
      });
      this.seen.set(key, { name, count: 1, at: now });
      if (this.seen.size > 10_000) this.prune(now);
    } catch (e) {
      this.seen.delete(key);
      this.onError(`could not record event ${reason} on ${on.kind} ${on.namespace}/${on.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private prune(now: number): void {
    for (const [k, v] of this.seen) if (now - v.at > AGGREGATE_MS) this.seen.delete(k);
  }
}
