// Password rotation as Zalando does it (cluster/sync.go checkForPasswordRotation,
// rotatePasswordInSecret, cleanupRotatedUsers). Pure: given a user's Secret and
// the clock, the Secret's new contents; given the rotation roles PostgreSQL
// has, the ones past retention.
//  - On globally (enable_password_rotation) for manifest users and prepared
//    databases' default users, but not database owners; on per user through
//    usersWithSecretRotation / usersWithInPlaceSecretRotation; off per user through
//    usersIgnoringSecretRotation.
//  - The Secret carries nextRotation (RFC 3339). The first sync only sets it
//    (now + password_rotation_interval days); once passed, the password changes.
//  - In-place: same user, new password. Otherwise a new role <user>YYMMDD (UTC
//    date of the rotation), member of <user>, gets the new password and becomes
//    the Secret's username; <user> keeps its old password.
//  - Rotation roles older than password_rotation_user_retention days are dropped
//    when the user rotates again (Zalando keeps retention >= 2 × interval).
//  - Rotation turned off again: the Secret goes back to <user> with a new password.

export interface RotationSecret {
  username: string;
  password: string;
  nextRotation?: string;
}

export interface RotationConfig {
  enable_password_rotation: boolean;
  password_rotation_interval: number;
  password_rotation_user_retention: number;
}

export interface RotationSpec {
  usersWithSecretRotation?: string[] | null;
  usersWithInPlaceSecretRotation?: string[] | null;
  usersIgnoringSecretRotation?: string[] | null;
}

export interface RotationUser {
  /** the role name the Secret is for */
  name: string;
  origin: 'system' | 'manifest' | 'prepared';
  /** owns a database of spec.databases: never rotated by the global switch */
  dbOwner: boolean;
}

export interface RotationOutcome {
  /** the Secret's new contents, when it changes */
  secret?: RotationSecret;
  message?: string;
  /** the user rotated to a new rotation role (or back): old rotation roles may be dropped */
  retention: boolean;
  inPlace: boolean;
}

const DAY = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');
/** Go's "060102" of a UTC instant */
export const rotationSuffix = (d: Date) => `${pad(d.getUTCFullYear() % 100)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
/** RFC 3339 at second precision, as Go's time.RFC3339 formats a UTC time */
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function rotationEnabled(user: RotationUser, spec: RotationSpec, config: RotationConfig): boolean {
  const inPlace = (spec.usersWithInPlaceSecretRotation ?? []).includes(user.name);
  // The superuser and replication user only rotate in place: Patroni and the pods log in by those names.
  const listed = inPlace || (user.origin !== 'system' && (spec.usersWithSecretRotation ?? []).includes(user.name));
  const global = config.enable_password_rotation && !user.dbOwner && (user.origin === 'manifest' || user.origin === 'prepared');
  return (global || listed) && !(spec.usersIgnoringSecretRotation ?? []).includes(user.name);
}

export function rotate(user: RotationUser, secret: RotationSecret, spec: RotationSpec, config: RotationConfig, now: Date, newPassword: () => string): RotationOutcome {
  const inPlace = (spec.usersWithInPlaceSecretRotation ?? []).includes(user.name);
  if (!rotationEnabled(user, spec, config)) {
    if (secret.username === user.name) return { retention: false, inPlace };
    return {
      secret: { username: user.name, password: newPassword(), nextRotation: '' },
      message: `Secret does not name role ${user.name} (rotation is off): username restored, new password set`,
      retention: true,
      inPlace,
    };
  }
  const intervalMs = config.password_rotation_interval * DAY;
  const parsed = secret.nextRotation ? Date.parse(secret.nextRotation) : NaN;
  let next = Number.isNaN(parsed) ? undefined : new Date(parsed);
  let out: RotationSecret | undefined;
  let message: string | undefined;
  if (!next) {
    next = new Date(now.getTime() + intervalMs);
    out = { ...secret, nextRotation: rfc3339(next) };
    message = `rotation date not found in Secret: set to ${rfc3339(next)}`;
  }
  // A shortened interval brings the next rotation forward. Zalando only moves it in memory, so the date in the
  // Secret (and the rotation) stays where the old interval put it; here the Secret is told.
  const soonest = new Date(now.getTime() + intervalMs);
  if (next > soonest) {
    next = soonest;
    out = { ...secret, nextRotation: rfc3339(next) };
    message = `rotation interval shortened: next rotation ${rfc3339(next)}`;
  }
  const expected = inPlace ? user.name : user.name + rotationSuffix(now);
  // switched to in-place: the dated name goes at once
  const modeChanged = secret.username.length > expected.length;
  if (now > next || modeChanged) {
    return {
      secret: { username: expected, password: newPassword(), nextRotation: rfc3339(soonest) },
      message: inPlace ? `password of role ${user.name} rotated in place; next rotation ${rfc3339(soonest)}` : `password rotated: new role ${expected}; next rotation ${rfc3339(soonest)}`,
      retention: !inPlace,
      inPlace,
    };
  }
  return { secret: out, message, retention: false, inPlace };
}

/** The effective retention in days: at least twice the interval, so the previous rotation role outlives one period. */
export const retentionDays = (config: RotationConfig) => Math.max(config.password_rotation_user_retention, 2 * config.password_rotation_interval);

/** Rotation roles (<user>YYMMDD) of `user` among `roles` whose date is older than the retention. */
export function expiredRotationRoles(user: string, roles: string[], now: Date, days: number): string[] {
  const limit = now.getTime() - days * DAY;
  return roles.filter((r) => {
    if (!r.startsWith(user) || r.length !== user.length + 6) return false;
    const m = /^(\d{2})(\d{2})(\d{2})$/.exec(r.slice(user.length));
    if (!m) return false;
    const at = Date.UTC(2000 + Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return at < limit;
  });
}
