// The restorable window of one cluster, from its base backups and the WAL
// keys listed after a backup's start: follow the timeline history from the
// backup's timeline to the newest one and find the first missing segment.
// Pure: no S3 here.
import type { BaseBackup } from './base-backups.ts';
import { formatLsn, parseLsn, segmentFromNumber, type Segment } from './layout.ts';

export interface TimelineSwitch {
  /** the timeline that starts here */
  timeline: number;
  parent: number;
  /** where the parent was left */
  switchLsn: string;
  reason?: string;
}

export interface Gap {
  timeline: number;
  /** the first missing segment */
  from: string;
  /** the last missing one (the next archived segment on the path is after it) */
  to: string;
}

export interface Window {
  /** the earliest time a restore can reach: the oldest usable base backup's finish */
  from: string | null;
  /** the newest time: when the last segment of the unbroken WAL chain was archived */
  to: string | null;
  fromBackup: string | null;
  /** the last archived segment a restore can replay up to */
  toSegment: string | null;
  timelines: TimelineSwitch[];
  gaps: Gap[];
  /** WAL older than this backup was not listed key by key (--full checks it) */
  checkedFrom: string | null;
}

/** A timeline history file: "<parent tli>\t<switch lsn>\t<reason>" per line */
export function parseHistory(timeline: number, text: string): TimelineSwitch[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const rows = lines.map((l) => l.split(/\s+/)).filter((f) => /^\d+$/.test(f[0]) && /\//.test(f[1] ?? ''));
  // Row i says: timeline parent(i) was left at lsn(i) for the next one (row i+1's parent, or `timeline` for the last).
  return rows.map((f, i) => ({
    timeline: i + 1 < rows.length ? Number(rows[i + 1][0]) : timeline,
    parent: Number(f[0]),
    switchLsn: formatLsn(parseLsn(f[1])),
    ...(f.length > 2 ? { reason: f.slice(2).join(' ') } : {}),
  }));
}

export interface WalIndex {
  /** archived segments by timeline: segment number → LastModified */
  segments: Map<number, Map<bigint, Date>>;
}

/**
 * Walks from `start` (a backup's start segment) along the timeline path in
 * `switches` and returns the last contiguous segment and the gaps behind it.
 */
export function walkChain(start: Segment, switches: TimelineSwitch[], wal: WalIndex): { last?: { timeline: number; number: bigint; modified: Date }; gaps: Gap[] } {
  // The path: the backup's timeline, then each switch whose parent is on the path.
  const path: { timeline: number; untilNumber?: bigint }[] = [{ timeline: start.timeline }];
  for (const s of [...switches].sort((a, b) => a.timeline - b.timeline)) {
    const cur = path.at(-1)!;
    if (s.parent !== cur.timeline || s.timeline <= cur.timeline) continue;
    cur.untilNumber = parseLsn(s.switchLsn) >> 24n;
    path.push({ timeline: s.timeline });
  }
  const gaps: Gap[] = [];
  let last: { timeline: number; number: bigint; modified: Date } | undefined;
  let n = start.number;
  for (const step of path) {
    const have = wal.segments.get(step.timeline) ?? new Map<bigint, Date>();
    const maxHave = [...have.keys()].reduce((m, k) => (k > m ? k : m), -1n);
    // On a timeline left at a switch, the segment holding the switch point is read from the next timeline.
    const end = step.untilNumber !== undefined ? step.untilNumber - 1n : maxHave;
    for (; n <= end; n++) {
      const at = have.get(n);
      if (at) {
        last = { timeline: step.timeline, number: n, modified: at };
        continue;
      }
      let next = n + 1n;
      while (next <= maxHave && !have.has(next)) next++;
      gaps.push({ timeline: step.timeline, from: segmentFromNumber(step.timeline, n), to: segmentFromNumber(step.timeline, (next > maxHave ? maxHave + 1n : next) - 1n) });
      return { last, gaps };
    }
    if (step.untilNumber !== undefined) n = step.untilNumber;
  }
  return { last, gaps };
}

export function computeWindow(backups: BaseBackup[], switches: TimelineSwitch[], wal: WalIndex, checkedFrom: BaseBackup | undefined): Window {
  const empty: Window = { from: null, to: null, fromBackup: null, toSegment: null, timelines: switches, gaps: [], checkedFrom: checkedFrom?.id ?? null };
  if (!backups.length || !checkedFrom) return empty;
  const sorted = [...backups].sort((a, b) => a.modified.localeCompare(b.modified));
  const { last, gaps } = walkChain({ timeline: checkedFrom.timeline, number: parseSeg(checkedFrom.startSegment) }, switches, wal);
  // Backups older than the checked one are assumed to chain into it; the oldest one is the window's start.
  const oldest = sorted[0];
  const finishNeeded = checkedFrom.finishSegment ? parseSeg(checkedFrom.finishSegment) : parseSeg(checkedFrom.startSegment);
  const consistent = last !== undefined && (last.timeline > checkedFrom.timeline || last.number >= finishNeeded);
  if (!consistent) return { ...empty, gaps };
  // The WAL through the checked backup's finish segment is archived, so the window reaches at least its finish. The
  // segment's upload time alone can be earlier (uploaded while the backup finished, listed in whole seconds): then
  // from > to, an impossible window on screen, until the next segment arrives.
  const archivedAt = last!.modified.toISOString();
  return {
    from: oldest.finishTime,
    to: checkedFrom.finishTime > archivedAt ? checkedFrom.finishTime : archivedAt,
    fromBackup: oldest.id,
    toSegment: segmentFromNumber(last!.timeline, last!.number),
    timelines: switches,
    gaps,
    checkedFrom: checkedFrom.id,
  };
}

const parseSeg = (name: string): bigint => (BigInt(`0x${name.slice(8, 16)}`) << 8n) | BigInt(`0x${name.slice(16, 24)}`);
