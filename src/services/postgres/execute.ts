// Runs one object's statements (a role's, a database's): together in a
// transaction with a local-only commit, as Zalando does, or one by one for
// what cannot run in a transaction (CREATE DATABASE). Counts what it writes.
import type pg from 'pg';

export interface SqlCounter {
  statements: number;
}

export function serverMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const err = e as { message: string; detail?: string };
    return err.detail ? `${err.message} (${err.detail})` : err.message;
  }
  return String(e);
}

/**
 * A failure a leader change or a restart causes, which the next attempt does not meet: the server shutting down or
 * starting up (57P01-57P03), the session ended or the connection lost (class 08, a reset or refused socket), a
 * leader demoted to read-only (25006).
 */
export function isTransientSqlError(e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (/^(57P0[123]|08[0-9A-Z]{3}|25006)$/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code))) return true;
  // what pg says of a socket that closed under it, a connect that timed out, or a query after the connection broke
  if (e instanceof Error && /^Connection terminated|^timeout expired|^Client has encountered a connection error/.test(e.message)) return true;
  // the connector names the member and keeps the driver's error as the cause
  return e instanceof Error && e.cause !== undefined && isTransientSqlError(e.cause);
}

/** Statements for a log line: passwords and verifiers never leave the process. */
export const redact = (sql: string) => sql.replace(/PASSWORD '(?:[^']|'')*'/g, "PASSWORD '***'");

export async function runStatements(client: pg.Client, statements: string[], counter: SqlCounter, transaction = true): Promise<void> {
  if (statements.length === 0) return;
  if (!transaction) {
    for (const s of statements) {
      counter.statements++;
      await client.query(s);
    }
    return;
  }
  await client.query("BEGIN; SET LOCAL synchronous_commit = 'local'");
  try {
    for (const s of statements) {
      counter.statements++;
      await client.query(s);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
