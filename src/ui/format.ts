// Short forms for narrow columns; the data itself stays exact in the store.

export function formatLag(bytes: number | null | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes === null) return '?';
  if (bytes < 1024 * 1024) return bytes === 0 ? '0' : '<1M';
  return `${Math.round(bytes / 1048576)}M`;
}

export function formatAge(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
