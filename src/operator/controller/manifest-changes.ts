// Which postgresql updates are worth a reconcile. The operator's own status
// write comes back as an update, as does anyone else's; reconciling on it
// again doubled the work per manifest (a flood of bad manifests cost two
// reconciles each). Zalando's controller skips an update whose spec and
// annotations are unchanged (postgresqlUpdate); zpg also looks at what else
// its reconcile acts on: labels, finalizers and deletion.
import type { KubeObj } from '../build/cluster.ts';

type Manifest = Pick<KubeObj, 'metadata'> & { spec?: unknown };

/** what a reconcile reads of the manifest; a status-only write leaves it unchanged */
function fingerprint(o: Manifest): string {
  const m = o.metadata as KubeObj['metadata'] & { generation?: number; finalizers?: string[]; deletionTimestamp?: string; uid?: string };
  // The API server bumps generation on every spec change (status is a subresource); without one, the spec itself.
  const spec = m.generation ?? o.spec ?? null;
  return JSON.stringify([m.uid ?? '', spec, m.annotations ?? {}, m.labels ?? {}, m.finalizers ?? [], m.deletionTimestamp ?? '']);
}

export class ManifestChanges {
  private readonly seen = new Map<string, string>();

  /** true when `obj` differs from the last object seen under `key` in anything a reconcile acts on (or is the first) */
  changed(key: string, obj: Manifest): boolean {
    const next = fingerprint(obj);
    if (this.seen.get(key) === next) return false;
    this.seen.set(key, next);
    return true;
  }

  forget(key: string): void {
    this.seen.delete(key);
  }
}
