// The lane that takes invalid manifests' reports and Normal events off the
// reconcile workers: a key's reports in order, few writing at once, a failure
// handed back, and settled()/idle() that a reconcile and stop() can wait on.
import { describe, expect, it } from 'vitest';
import { ReportLane } from '../../src/operator/controller/report-lane.ts';
import { eventually } from '../helpers/sandbox.ts';

/** a task that records its start and finishes when released */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { task: async () => { log.push(`start ${name}`); await done; log.push(`end ${name}`); }, release };
}

describe('report lane', () => {
  it('runs at most `concurrency` reports at once, and a key\'s reports in order', async () => {
    const log: string[] = [];
    const lane = new ReportLane({ concurrency: 2, onError: () => {} });
    const a1 = gate(log, 'a1');
    const a2 = gate(log, 'a2');
    const b = gate(log, 'b');
    const c = gate(log, 'c');
    lane.add('a', a1.task);
    lane.add('a', a2.task);
    lane.add('b', b.task);
    lane.add('c', c.task);
    await eventually('two reports writing', () => log.length === 2);
    expect(log).toEqual(['start a1', 'start b']); // a2 waits for a1; c for a free slot
    let aSettled = false;
    void lane.settled('a').then(() => (aSettled = true));
    a1.release();
    // the freed slot goes to the report that waited for one (c); a2, ready only now, waits for the next
    await eventually('c in a1\'s slot', () => log.includes('start c'));
    expect(log.includes('start a2')).toBe(false);
    b.release();
    await eventually('a2 in b\'s slot', () => log.includes('start a2'));
    expect(aSettled).toBe(false);
    a2.release();
    await eventually('a settled', () => aSettled);
    const idle = lane.idle();
    c.release();
    await idle;
    expect(lane.depth).toBe(0);
    expect(log.filter((l) => l.startsWith('end'))).toEqual(['end a1', 'end b', 'end a2', 'end c']);
  });

  it('hands a failed report back by key and goes on with the next', async () => {
    const failed: string[] = [];
    const lane = new ReportLane({ concurrency: 1, onError: (key, e) => failed.push(`${key}: ${(e as Error).message}`) });
    let ran = false;
    lane.add('x', () => Promise.reject(new Error('HTTP 503')));
    lane.add('x', async () => void (ran = true));
    await lane.idle();
    expect(failed).toEqual(['x: HTTP 503']);
    expect(ran).toBe(true);
  });
});
