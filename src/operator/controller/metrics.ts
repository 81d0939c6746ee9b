// The daemon's Prometheus metrics, rendered in the text exposition format:
// clusters by status, queue depth, reconcile counts, errors and durations,
// API writes by verb and kind, and whether this process leads.
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsSources {
  clustersByStatus: () => Map<string, number>;
  queueDepth: () => number;
  writes: () => Map<string, number>;
  leader: () => boolean;
}

export class Metrics {
  reconciles = 0;
  errors = 0;
  private readonly counts = BUCKETS.map(() => 0);
  private sum = 0;
  private n = 0;

  observe(seconds: number, failed: boolean): void {
    this.reconciles++;
    if (failed) this.errors++;
    this.sum += seconds;
    this.n++;
    BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.counts[i]!++;
    });
  }

  render(src: MetricsSources): string {
    const lines: string[] = [];
    const head = (name: string, type: string, help: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    head('zpg_clusters', 'gauge', 'postgresql clusters by PostgresClusterStatus');
    for (const [status, n] of [...src.clustersByStatus()].sort()) lines.push(`zpg_clusters{status="${esc(status || 'Unknown')}"} ${n}`);
    head('zpg_queue_depth', 'gauge', 'clusters waiting for a reconcile');
    lines.push(`zpg_queue_depth ${src.queueDepth()}`);
    head('zpg_reconcile_total', 'counter', 'reconciles run');
    lines.push(`zpg_reconcile_total ${this.reconciles}`);
    head('zpg_reconcile_errors_total', 'counter', 'reconciles that failed and were retried');
    lines.push(`zpg_reconcile_errors_total ${this.errors}`);
    head('zpg_reconcile_duration_seconds', 'histogram', 'time per reconcile');
    BUCKETS.forEach((b, i) => lines.push(`zpg_reconcile_duration_seconds_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`zpg_reconcile_duration_seconds_bucket{le="+Inf"} ${this.n}`, `zpg_reconcile_duration_seconds_sum ${this.sum.toFixed(6)}`, `zpg_reconcile_duration_seconds_count ${this.n}`);
    head('zpg_api_writes_total', 'counter', 'writes to the Kubernetes API by verb and kind');
    for (const [key, n] of [...src.writes()].sort()) {
      const [verb, kind] = key.split(' ');
      lines.push(`zpg_api_writes_total{verb="${esc(verb!)}",kind="${esc(kind!)}"} ${n}`);
    }
    head('zpg_leader', 'gauge', '1 when this process holds the leader lease');
    lines.push(`zpg_leader ${src.leader() ? 1 : 0}`);
    const mem = process.memoryUsage();
    head('process_resident_memory_bytes', 'gauge', 'resident memory of the daemon');
    lines.push(`process_resident_memory_bytes ${mem.rss}`);
    head('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use');
    lines.push(`nodejs_heap_size_used_bytes ${mem.heapUsed}`);
    return `${lines.join('\n')}\n`;
  }
}

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
