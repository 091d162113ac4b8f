import { describe, it, expect } from '@jest/globals';
import {
  AuthenticationError,
  ConnectionError,
  DatabaseNotFoundError,
  DeadlockError,
  ExternalToolError,
  GdsError,
  QueryError,
  Secret,
  ValidationError,
} from '@gds/database';
import { ERROR_CLASSES } from '@gds/database/engine';
import { POSTGRES_ERROR_TABLE, classifyPostgresError, errorCodeOf, mapPostgresError, postgresErrorKind } from './postgres-errors.js';

/** A driver-like error: an Error with a string `code`, as postgres.js and sockets throw. */
const driverError = (code: string | undefined, message: string): Error => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('POSTGRES_ERROR_TABLE', () => {
  const entries = Object.entries(POSTGRES_ERROR_TABLE);

  it('is frozen and covers the documented SQLSTATEs', () => {
    expect(Object.isFrozen(POSTGRES_ERROR_TABLE)).toBe(true);
    expect(entries.length).toBeGreaterThanOrEqual(20);
    expect(POSTGRES_ERROR_TABLE['3D000']).toBe('DATABASE_NOT_FOUND');
    expect(POSTGRES_ERROR_TABLE['42P04']).toBe('DATABASE_ALREADY_EXISTS');
    expect(POSTGRES_ERROR_TABLE['55006']).toBe('DATABASE_IN_USE');
    expect(POSTGRES_ERROR_TABLE['28P01']).toBe('AUTHENTICATION');
  });

  it.each(entries)('%s maps to %s (plain {code, message} object)', (code, kind) => {
    const original = { code, message: `server said ${code}` };
    const e = mapPostgresError(original, 'exists');
    expect(e.code).toBe(kind);
    expect(ERROR_CLASSES[kind].isInstance(e)).toBe(true);
    expect(GdsError.isInstance(e)).toBe(true);
    expect(e.serverCode).toBe(code);
    expect(e.engine).toBe('postgresql');
    expect(e.operation).toBe('exists');
    expect(e.cause).toBe(original);
  });

  it.each(entries)('%s maps to %s (Error with code), message prefixed by the operation', (code, kind) => {
    const original = driverError(code, `server said ${code}`);
    const e = mapPostgresError(original, 'drop');
    expect(e.code).toBe(kind);
    expect(ERROR_CLASSES[kind].isInstance(e)).toBe(true);
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe(`drop: server said ${code}`);
    expect(e.cause).toBe(original);
    expect(e.serverCode).toBe(code);
  });

  it('every kind in the table is one a mapped error can have', () => {
    for (const kind of new Set(Object.values(POSTGRES_ERROR_TABLE))) expect(ERROR_CLASSES[kind]).toBeDefined();
  });
});

describe('postgresErrorKind', () => {
  it.each([
    ['08006', 'CONNECTION'],
    ['08P01', 'CONNECTION'],
    ['08001', 'CONNECTION'],
    ['08000', 'CONNECTION'],
    ['3D000', 'DATABASE_NOT_FOUND'],
    ['22012', 'QUERY'],
    ['42601', 'QUERY'],
    ['XX000', 'QUERY'],
    ['42', 'QUERY'],
    ['0800', 'QUERY'], // not a 5-character SQLSTATE: no class fallback
    ['', 'QUERY'],
    [undefined, 'QUERY'],
  ])('%j -> %s', (code, kind) => {
    expect(postgresErrorKind(code)).toBe(kind);
  });
});

describe('errorCodeOf', () => {
  it('reads a string code only', () => {
    expect(errorCodeOf({ code: '3D000' })).toBe('3D000');
    expect(errorCodeOf(driverError('ECONNREFUSED', 'x'))).toBe('ECONNREFUSED');
    expect(errorCodeOf({ code: 42 })).toBeUndefined();
    expect(errorCodeOf(new Error('x'))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorCodeOf('3D000')).toBeUndefined();
    expect(errorCodeOf(undefined)).toBeUndefined();
  });
});

describe('mapPostgresError', () => {
  it('falls back to the SQLSTATE class: 08006 and 08P01 are CONNECTION', () => {
    for (const code of ['08006', '08P01']) {
      const e = mapPostgresError(driverError(code, 'connection failure'), 'connect');
      expect(e.code).toBe('CONNECTION');
      expect(ConnectionError.isInstance(e)).toBe(true);
      expect(e.serverCode).toBe(code);
      expect(e.retryable).toBe(true);
    }
  });

  it('maps an unknown code to QUERY, keeping the code', () => {
    const original = driverError('22012', 'division by zero');
    const e = mapPostgresError(original, 'query');
    expect(e.code).toBe('QUERY');
    expect(QueryError.isInstance(e)).toBe(true);
    expect(e.serverCode).toBe('22012');
    expect(e.message).toBe('query: division by zero');
    expect(e.retryable).toBe(false);
    expect(e.hint).toBeUndefined();
    expect(e.cause).toBe(original);
  });

  it('maps an error without a code to QUERY with no serverCode', () => {
    const original = new Error('something odd');
    const e = mapPostgresError(original, 'getMetadata');
    expect(e.code).toBe('QUERY');
    expect(QueryError.isInstance(e)).toBe(true);
    expect(e.serverCode).toBeUndefined();
    expect(e.message).toBe('getMetadata: something odd');
    expect(e.cause).toBe(original);
  });

  it('maps a non-error value through String()', () => {
    const e = mapPostgresError('plain text failure', 'op');
    expect(e.code).toBe('QUERY');
    expect(e.message).toBe('op: plain text failure');
    expect(e.cause).toBe('plain text failure');
  });

  it('passes a GdsError through unchanged (same object)', () => {
    const gds = new DatabaseNotFoundError('no such database', { engine: 'postgresql', operation: 'drop' });
    expect(mapPostgresError(gds, 'other')).toBe(gds);
    expect(gds.operation).toBe('drop');
    const validation = new ValidationError('bad', [{ path: '/x', message: 'nope' }]);
    expect(mapPostgresError(validation, 'create')).toBe(validation);
    const tool = new ExternalToolError('pg_dump failed', { tool: 'pg_dump' });
    expect(mapPostgresError(tool, 'backup')).toBe(tool);
  });

  it.each([
    ['ECONNREFUSED', true],
    ['57P01', true],
    ['08006', true],
    ['53300', true],
    ['40P01', true],
    ['55006', true], // DatabaseInUseError is retryable by default
    ['28P01', false],
    ['28000', false],
    ['42501', false],
    ['3D000', false],
    ['42P04', false],
    ['57014', false],
    ['22012', false],
  ])('%s retryable: %s', (code, retryable) => {
    expect(mapPostgresError(driverError(code, 'x'), 'op').retryable).toBe(retryable);
  });

  it('53300 (too many connections) is a retryable CONNECTION error with the max_connections hint', () => {
    const e = mapPostgresError(driverError('53300', 'sorry, too many clients already'), 'connect');
    expect(ConnectionError.isInstance(e)).toBe(true);
    expect(e.retryable).toBe(true);
    expect(e.hint).toMatch(/no connection slot left: raise max_connections/);
  });

  it('DEADLOCK is retryable and says so', () => {
    const e = mapPostgresError(driverError('40P01', 'deadlock detected'), 'vacuum');
    expect(DeadlockError.isInstance(e)).toBe(true);
    expect(e.retryable).toBe(true);
    expect(e.hint).toBe('retry the operation');
  });

  it.each([
    ['28P01', 'the password is wrong for this user: check it (and pg_hba.conf on the server)'],
    ['ECONNREFUSED', 'nothing listens at that host and port: check that the server is running, the port, and listen_addresses'],
    ['ETIMEDOUT', 'the server did not answer in time: check the address, firewalls, or raise --timeout / connectTimeoutMs'],
    ['EHOSTUNREACH', 'the host is unreachable: check the address, routing and firewalls'],
    ['08006', 'check that the server is running and reachable'],
    ['42501', 'connect as the database owner or a role with the needed privilege (CREATEDB, superuser...)'],
    ['3D000', 'check the name: gds passes names exactly, with their case'],
    ['42P04', 'choose another name, or drop the existing database first'],
    ['55006', 'close the other sessions, or pass force: true to end them'],
    ['57014', undefined],
  ])('%s has hint %j', (code, hint) => {
    expect(mapPostgresError(driverError(code, 'x'), 'op').hint).toBe(hint);
  });

  it('AUTHENTICATION is not retryable and has a hint', () => {
    const e = mapPostgresError(driverError('28P01', 'password authentication failed for user "app"'), 'connect');
    expect(AuthenticationError.isInstance(e)).toBe(true);
    expect(e.code).toBe('AUTHENTICATION');
    expect(e.retryable).toBe(false);
    expect(e.hint).toContain('password');
    expect(e.message).toBe('connect: password authentication failed for user "app"');
  });

  it('redacts a live Secret from the mapped message and from the cause message', () => {
    const secret = new Secret('S3cr3t-pw');
    try {
      const original = driverError('28P01', 'password authentication failed: got S3cr3t-pw for user "app"');
      const e = mapPostgresError(original, 'connect');
      expect(e.message).not.toContain('S3cr3t-pw');
      expect(e.message).toBe('connect: password authentication failed: got *** for user "app"');
      expect(e.cause).toBe(original);
      expect((e.cause as Error).message).not.toContain('S3cr3t-pw');
      expect((e.cause as Error).stack ?? '').not.toContain('S3cr3t-pw');
      expect(JSON.stringify(e.toJSON())).not.toContain('S3cr3t-pw');
    } finally {
      secret.forget();
    }
  });

  it('redacts a URL password quoted by the driver even without a Secret', () => {
    const e = mapPostgresError(driverError('ENOTFOUND', 'getaddrinfo failed for postgres://app:hunter2x@nohost:5432/db'), 'connect');
    expect(e.message).toBe('connect: getaddrinfo failed for postgres://app:***@nohost:5432/db');
    expect(e.code).toBe('CONNECTION');
  });
});

describe('each connection failure gets the hint of its cause', () => {
  it('a refused connection never mentions max_connections; a full server does', () => {
    expect(mapPostgresError(driverError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'connect').hint).not.toMatch(/max_connections/);
    expect(mapPostgresError(driverError('CONNECT_TIMEOUT', 'write CONNECT_TIMEOUT 10.255.255.1:5432'), 'connect').hint).not.toMatch(/max_connections/);
    expect(mapPostgresError(driverError('53300', 'sorry, too many clients already'), 'connect').hint).toMatch(/max_connections/);
  });
  it('a statement refused as read-only (25006, as on a standby) says the server is read-only and to use the primary', () => {
    const e = mapPostgresError(driverError('25006', 'cannot execute CREATE DATABASE in a read-only transaction'), 'create');
    expect(e.hint).toMatch(/^the server is read-only: a standby \(SELECT pg_is_in_recovery\(\) is true; its primary is in primary_conninfo\)/);
    expect(e.hint).not.toMatch(/check that the server is running/);
  });
    it('a TLS failure gets a TLS hint', () => {
    expect(mapPostgresError(driverError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), 'connect').hint).toMatch(/^TLS failed: check sslmode/);
    expect(mapPostgresError(driverError('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'connect').hint).toMatch(/^TLS failed/);
    // what postgres.js says when sslmode=require meets a server without TLS (seen against a real server)
    expect(mapPostgresError(driverError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'), 'connect').hint).toMatch(/^TLS failed/);
  });
});

describe('classifyPostgresError (the one table the core reads)', () => {
  it('gives kind, code and hint; retryable stays the class default (no override anywhere)', () => {
    expect(classifyPostgresError({ code: '3D000', message: 'database "x" does not exist' })).toEqual({ kind: 'DATABASE_NOT_FOUND', code: '3D000', hint: 'check the name: gds passes names exactly, with their case' });
    expect(classifyPostgresError(new Error('odd'))).toEqual({ kind: 'QUERY', code: undefined, hint: undefined });
    for (const code of [...Object.keys(POSTGRES_ERROR_TABLE), '22012', 'XX000', '25006']) expect(classifyPostgresError({ code, message: 'm' }).retryable).toBeUndefined();
    const retryable = (code: string) => mapPostgresError({ code, message: 'm' }, 'op').retryable;
    expect(['53300', '57P03', '08006', '40P01', '55006', 'ECONNRESET'].map(retryable)).toEqual([true, true, true, true, true, true]);
    expect(['22012', '42501', '28P01', '3D000'].map(retryable)).toEqual([false, false, false, false]);
  });
});
