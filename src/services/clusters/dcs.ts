// What Patroni keeps in its Kubernetes DCS beside the members: the dynamic
// configuration (maintenance mode lives there as `pause`) on `<cluster>-config`
// and a scheduled switchover on `<cluster>-failover`, as annotations of
// Endpoints (Zalando's default) or ConfigMaps. Read from the API server, this
// costs no port-forward per cluster. Pure.

export interface DcsObjectLike {
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

export interface ScheduledSwitchover {
  /** RFC 3339 */
  at: string;
  from?: string;
  to?: string;
}

export interface DcsFacts {
  /** Patroni's maintenance mode */
  paused: boolean;
  scheduledSwitchover?: ScheduledSwitchover;
}

const json = (text: string | undefined): Record<string, unknown> => {
  try {
    const v = JSON.parse(text ?? '{}') as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

/** DCS facts per namespace/cluster from the `-config` and `-failover` objects among `objects`. */
export function dcsFacts(objects: DcsObjectLike[]): Map<string, DcsFacts> {
  const out = new Map<string, DcsFacts>();
  const at = (key: string) => {
    let f = out.get(key);
    if (!f) out.set(key, (f = { paused: false }));
    return f;
  };
  for (const o of objects) {
    const name = o.metadata?.name ?? '';
    const ns = o.metadata?.namespace ?? '';
    const a = o.metadata?.annotations ?? {};
    if (name.endsWith('-config') && a.config !== undefined) {
      at(`${ns}/${name.slice(0, -'-config'.length)}`).paused = json(a.config).pause === true;
    } else if (name.endsWith('-failover') && a.scheduled_at) {
      at(`${ns}/${name.slice(0, -'-failover'.length)}`).scheduledSwitchover = { at: a.scheduled_at, from: a.leader || undefined, to: a.member || undefined };
    }
  }
  return out;
}
