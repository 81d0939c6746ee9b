// The manifest as a user would write it: YAML without the server's
// bookkeeping (managedFields, kubectl's last-applied copy).
import { stringify } from 'yaml';

export function manifestLines(obj: unknown): string[] {
  if (!obj || typeof obj !== 'object') return [];
  const o = obj as { metadata?: Record<string, unknown> };
  const metadata = { ...o.metadata };
  delete metadata.managedFields;
  const annotations = metadata.annotations as Record<string, string> | undefined;
  if (annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
    const rest = { ...annotations };
    delete rest['kubectl.kubernetes.io/last-applied-configuration'];
    metadata.annotations = Object.keys(rest).length ? rest : undefined;
  }
  return stringify({ ...o, metadata }, { lineWidth: 0 }).trimEnd().split('\n');
}
