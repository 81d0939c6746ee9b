// Password verifiers as PostgreSQL stores them in pg_authid.rolpassword.
// The operator checks the stored verifier against the Secret's password
// instead of comparing with a freshly salted hash (a SCRAM hash never equals a
// new one, so Zalando re-hashes every role on every sync).
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';

export type PasswordEncryption = 'scram-sha-256' | 'md5';

const SCRAM = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/;

export function md5Verifier(user: string, password: string): string {
  return `md5${createHash('md5').update(password + user).digest('hex')}`;
}

function scramKeys(password: string, salt: Buffer, iterations: number): { stored: Buffer; server: Buffer } {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const client = createHmac('sha256', salted).update('Client Key').digest();
  return { stored: createHash('sha256').update(client).digest(), server: createHmac('sha256', salted).update('Server Key').digest() };
}

/** A SCRAM-SHA-256 verifier for `salt` (16 random bytes in practice), as PostgreSQL builds it. */
export function scramVerifier(password: string, salt: Buffer, iterations = 4096): string {
  const k = scramKeys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${k.stored.toString('base64')}:${k.server.toString('base64')}`;
}

export function verifierFor(encryption: PasswordEncryption, user: string, password: string, salt: Buffer): string {
  return encryption === 'md5' ? md5Verifier(user, password) : scramVerifier(password, salt);
}

/** True when `stored` (rolpassword) accepts `password` and uses the wanted method: nothing to change then. */
export function verifierMatches(stored: string | null, user: string, password: string, encryption: PasswordEncryption): boolean {
  if (!stored) return false;
  if (encryption === 'md5') return stored === md5Verifier(user, password);
  const m = SCRAM.exec(stored);
  if (!m) return false;
  const k = scramKeys(password, Buffer.from(m[2]!, 'base64'), Number(m[1]));
  const stor = Buffer.from(m[3]!, 'base64');
  const serv = Buffer.from(m[4]!, 'base64');
  return stor.length === k.stored.length && serv.length === k.server.length && timingSafeEqual(stor, k.stored) && timingSafeEqual(serv, k.server);
}

export function passwordEncryption(parameters: Record<string, string> | undefined): PasswordEncryption {
  return parameters?.password_encryption?.toLowerCase() === 'md5' ? 'md5' : 'scram-sha-256';
}
