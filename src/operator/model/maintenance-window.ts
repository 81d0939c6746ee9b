// Maintenance windows as Zalando writes them: "01:00-06:00" (daily) or
// "Sat:00:00-04:00" (weekly), UTC; the start must come before the end.
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const RE = /^\s*(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun):)?(2[0-3]|[01]?\d):([0-5]?\d)-(2[0-3]|[01]?\d):([0-5]?\d)\s*$/;

export interface MaintenanceWindow {
  /** 0 = Sunday; undefined = every day */
  weekday?: number;
  fromMinute: number;
  toMinute: number;
}

export function parseMaintenanceWindow(text: string): MaintenanceWindow | { error: string } {
  const m = RE.exec(text);
  if (!m) return { error: `"${text}" is not a window; use "HH:MM-HH:MM" or "Sat:HH:MM-HH:MM" (UTC)` };
  const fromMinute = Number(m[2]) * 60 + Number(m[3]);
  const toMinute = Number(m[4]) * 60 + Number(m[5]);
  if (fromMinute >= toMinute) return { error: `"${text}": the start must be before the end` };
  return { weekday: m[1] ? DAYS.indexOf(m[1]) : undefined, fromMinute, toMinute };
}

export function inMaintenanceWindow(windows: MaintenanceWindow[], now: Date): boolean {
  if (windows.length === 0) return true;
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return windows.some((w) => (w.weekday === undefined || w.weekday === now.getUTCDay()) && minute >= w.fromMinute && minute <= w.toMinute);
}
