// The daemon's Prometheus metrics (prom-client): clusters by status, queue
// depth, reconcile counts, errors and durations, API writes by verb and kind,
// whether this process leads, per-cluster health and backups (metrics-fleet.ts),
// and the standard process and Node.js metrics.
// One Metrics lives as long as the daemon, across leadership terms: counters
// never go back to zero, so "only the leader writes" can be read off /metrics.
// To add a metric, register it on `metrics.registry` (or use `gauge()`).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BackupHealthRow } from './metrics-backups.ts';
import type { ClusterHealthRow } from './metrics-clusters.ts';
import { registerFleetGauges } from './metrics-fleet.ts';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsSources {
  clustersByStatus: () => Map<string, number>;
  queueDepth: () => number;
  leader: () => boolean;
  /** per-cluster Patroni health (metrics-clusters.ts); the leader's controller only */
  clusterHealth: () => ClusterHealthRow[];
  /** per-cluster backup catalog (metrics-backups.ts), with a WAL bucket configured */
  backupHealth: () => BackupHealthRow[];
}

type Labels = Record<string, string>;

/** CPU, memory, event-loop lag, GC, handles: one set per process, shared by every daemon in it */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  /** the daemon's own metrics; register new ones here */
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter;
  private readonly errorTotal: Counter;
  private readonly duration: Histogram;
  private readonly writeMaps = new Set<ReadonlyMap<string, number>>();
  private sources: Partial<MetricsSources> = {};

  constructor() {
    const registers = [this.registry];
    this.reconcileTotal = new Counter({ name: 'zpg_reconcile_total', help: 'reconciles run', registers });
    this.errorTotal = new Counter({ name: 'zpg_reconcile_errors_total', help: 'reconciles that failed and were retried', registers });
    this.duration = new Histogram({ name: 'zpg_reconcile_duration_seconds', help: 'time per reconcile', buckets: BUCKETS, registers });
    const writeMaps = this.writeMaps;
    new Counter({
      name: 'zpg_api_writes_total',
      help: 'writes to the Kubernetes API by verb and kind, by this process (every leadership term, and the configuration source)',
      labelNames: ['verb', 'kind'],
      registers,
      // The writers keep their own tallies; the counter is their sum, read when scraped.
      collect() {
        const sum = new Map<string, number>();
        for (const m of writeMaps) for (const [k, n] of m) sum.set(k, (sum.get(k) ?? 0) + n);
        this.reset();
        for (const [key, n] of sum) {
          const [verb = '', kind = ''] = key.split(' ');
          this.inc({ verb, kind }, n);
        }
      },
    });
    this.gauge('zpg_clusters', 'postgresql clusters by PostgresClusterStatus', ['status'], () =>
      [...(this.sources.clustersByStatus?.() ?? new Map<string, number>())].map(([status, n]) => [{ status: status || 'Unknown' }, n]),
    );
    this.gauge('zpg_queue_depth', 'clusters waiting for a reconcile', [], () => [[{}, this.sources.queueDepth?.() ?? 0]]);
    this.gauge('zpg_leader', '1 when this process holds the leader lease', [], () => [[{}, this.sources.leader?.() ? 1 : 0]]);
    registerFleetGauges(
      (name, help, labels, collect) => this.gauge(name, help, labels, collect),
      () => this.sources.clusterHealth?.() ?? [],
      () => this.sources.backupHealth?.() ?? [],
    );
  }

  /** a gauge computed when scraped: collect returns [labels, value] pairs */
  gauge(name: string, help: string, labelNames: string[], collect: () => Iterable<[Labels, number]>): Gauge {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, v] of collect()) this.set(labels, v);
      },
    });
  }

  /** where the gauges read the controller of the moment (undefined fields read as empty) */
  use(sources: Partial<MetricsSources>): void {
    this.sources = sources;
  }

  /** counts the writes in this tally ("verb kind" → n) from now on, also after its writer is gone */
  trackWrites(writes: ReadonlyMap<string, number>): void {
    this.writeMaps.add(writes);
  }

  observe(seconds: number, failed: boolean): void {
    this.reconcileTotal.inc();
    if (failed) this.errorTotal.inc();
    this.duration.observe(seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** the text exposition: the daemon's metrics, then the process's */
  async render(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own}\n${await processMetrics().metrics()}`;
  }
}
