// Kubernetes resource quantities ("500m", "1.5", "100Mi", "1e3", "2G") as
// numbers, so limits and requests can be compared as Zalando compares them.
const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The CRD patterns (zalando-operator.md §1.3) */
export const CPU_PATTERN = /^(\d+m|\d+(\.\d{1,3})?)$/;
export const MEMORY_PATTERN = /^(\d+(e\d+)?|\d+(\.\d+)?(e\d+)?[EPTGMK]i?)$/;

export function parseQuantity(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  if (typeof q === 'number') return q;
  const m = /^([+-]?\d+(?:\.\d+)?)(?:e(\d+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * 10 ** Number(m[2] ?? 0) * SUFFIX[m[3] ?? '']!;
}

/** "", "0" and "null" mean "use the default" in Zalando's resource handling */
export const isUnsetQuantity = (q: string | undefined): boolean => q === undefined || q === '' || q === '0' || q === 'null';
