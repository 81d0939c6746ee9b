// The current time, ticking only while something on screen shows an age that
// must keep counting. A tick that changes no text writes no bytes (Ink compares frames).
import { useEffect, useRef, useState } from 'react';

export function useNow(active: boolean, everyMs = 1000): number {
  // The state only schedules re-renders; the time itself is read fresh on every render.
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), everyMs);
    return () => clearInterval(t);
  }, [active, everyMs]);
  return Date.now();
}

/**
 * `now` as of the first render in each `step`: what memoized rows count their ages to. A new value redraws
 * every row, so it moves only as often as the ages shown need; within a step ages are at most `step` behind.
 */
export function useSteppedNow(now: number, step: number): number {
  const at = useRef({ step: -1, now });
  const current = Math.floor(now / step);
  if (at.current.step !== current) at.current = { step: current, now };
  return at.current.now;
}
