// Which failures of the operator's SQL sync a switchover or restart explains (tried again soon, told only if they
// last) and which are news at once. Found in the demo: a switchover from the console left a Warning "could not sync
// roles and databases: terminating connection due to administrator command" beside the LeaderChanged event.
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { isTransientSqlError } from '../../src/services/postgres/execute.ts';

const serverError = (code: string, message: string) => Object.assign(new pg.DatabaseError(message, 0, 'error'), { code });
const socketError = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:5432`), { code });

describe('transient SQL errors', () => {
  it('are the server going down or coming up, a lost connection, or a demoted leader', () => {
    expect(isTransientSqlError(serverError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isTransientSqlError(serverError('57P03', 'the database system is shutting down'))).toBe(true);
    expect(isTransientSqlError(serverError('25006', 'cannot execute CREATE ROLE in a read-only transaction'))).toBe(true);
    expect(isTransientSqlError(serverError('08006', 'connection failure'))).toBe(true);
    expect(isTransientSqlError(socketError('ECONNREFUSED'))).toBe(true);
    expect(isTransientSqlError(socketError('ECONNRESET'))).toBe(true);
    expect(isTransientSqlError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientSqlError(new Error('timeout expired'))).toBe(true);
    expect(isTransientSqlError(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
    // as the connector reports it (seen in the demo: the old leader shutting down during a switchover)
    const wrapped = new Error('PostgreSQL on default/acid-demo-0, database postgres: the database system is shutting down', { cause: serverError('57P03', 'the database system is shutting down') });
    expect(isTransientSqlError(wrapped)).toBe(true);
    expect(isTransientSqlError(new Error('PostgreSQL on default/x-0, database postgres: denied', { cause: serverError('42501', 'denied') }))).toBe(false);
  });

  it('are not what the next attempt meets again', () => {
    expect(isTransientSqlError(serverError('42501', 'permission denied to create role'))).toBe(false);
    expect(isTransientSqlError(serverError('28P01', 'password authentication failed for user "postgres"'))).toBe(false);
    expect(isTransientSqlError(serverError('42704', 'role "nobody" does not exist'))).toBe(false);
    expect(isTransientSqlError(new Error('the superuser Secret postgres.x.credentials has no password'))).toBe(false);
    expect(isTransientSqlError(undefined)).toBe(false);
  });
});
