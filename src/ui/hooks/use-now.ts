// The current time, ticking only while something on screen shows an age that
// must keep counting (stale data). Idle screens stay idle: no timer, no bytes.
import { useEffect, useState } from 'react';

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
