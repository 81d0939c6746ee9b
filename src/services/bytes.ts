// Byte counts for people, shared by the CLI, the console and the tasks' progress lines.

/** a byte count as a person reads it: 0 B, 512 B, 16 kB, 109 MB, 2.1 GB (powers of 1024, kubectl's units) */
export function bytes(n: number | null | undefined): string {
  if (n === undefined || n === null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}
