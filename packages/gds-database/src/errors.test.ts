import { describe, expect, it } from '@jest/globals';
import {
  AuthenticationError,
  ConnectionError,
  DatabaseInUseError,
  DatabaseNotFoundError,
  DeadlockError,
  ExternalToolError,
  GdsError,
  OperationCancelledError,
  OperationTimeoutError,
  QueryError,
  UnsupportedOperationError,
  ValidationError,
  createError,
  type ErrorKind,
} from './errors.js';
import { Secret } from './secret.js';

describe('error hierarchy', () => {
  it('has stable codes, retryable defaults and isInstance by class', () => {
    const e = new ConnectionError('down', { engine: 'postgresql', operation: 'exists' });
    expect(e.code).toBe('CONNECTION');
    expect(e.retryable).toBe(true);
    expect(e.name).toBe('ConnectionError');
    expect(ConnectionError.isInstance(e)).toBe(true);
    expect(GdsError.isInstance(e)).toBe(true);
    expect(AuthenticationError.isInstance(e)).toBe(false);
    expect(new AuthenticationError('no').retryable).toBe(false);
    expect(new DeadlockError('x').retryable).toBe(true);
    expect(new DeadlockError('x', { retryable: false }).retryable).toBe(false);
    expect(GdsError.isInstance(new Error('plain'))).toBe(false);
    expect(GdsError.isInstance(null)).toBe(false);
    expect(GdsError.isInstance('CONNECTION')).toBe(false);
  });

  it('isInstance works on an error from another copy of the package (marker, not prototype)', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@gds/database/error')]: ['DATABASE_NOT_FOUND', 'GDS_ERROR'] });
    expect(DatabaseNotFoundError.isInstance(foreign)).toBe(true);
    expect(GdsError.isInstance(foreign)).toBe(true);
    expect(foreign instanceof DatabaseNotFoundError).toBe(false);
  });

  it('keeps the cause and redacts secrets from message, hint and cause', () => {
    const pw = new Secret('Sup3r$ecret');
    const cause = new Error('password Sup3r$ecret rejected for postgres://u:Sup3r$ecret@h/db');
    const e = new AuthenticationError('login failed with Sup3r$ecret', { cause, hint: 'not Sup3r$ecret' });
    expect(e.message).toBe('login failed with ***');
    expect(e.hint).toBe('not ***');
    expect(e.cause).toBe(cause);
    expect(cause.message).not.toContain('Sup3r$ecret');
    expect(cause.stack).not.toContain('Sup3r$ecret');
    expect(JSON.stringify(e)).not.toContain('Sup3r$ecret');
    pw.forget();
  });

  it('ValidationError lists every issue in its message and JSON', () => {
    const e = new ValidationError('Invalid options for create', [
      { path: '/owner', message: 'must be string' },
      { path: '/connectionLimit', message: 'must be >= -1' },
    ]);
    expect(e.message).toBe('Invalid options for create: /owner: must be string; /connectionLimit: must be >= -1');
    expect(e.toJSON()).toMatchObject({ code: 'VALIDATION', issues: [{ path: '/owner' }, { path: '/connectionLimit' }] });
    expect(new ValidationError('bad').message).toBe('bad');
  });

  it('DatabaseInUseError and ExternalToolError carry their details', () => {
    const busy = new DatabaseInUseError('in use', { sessions: 3 });
    expect(busy.sessions).toBe(3);
    expect(busy.toJSON()).toMatchObject({ sessions: 3, code: 'DATABASE_IN_USE' });
    const pw = new Secret('tool-pass-99');
    const tool = new ExternalToolError('pg_dump failed', { tool: 'pg_dump', exitCode: 1, stderr: 'auth tool-pass-99 failed' });
    expect(tool.toJSON()).toMatchObject({ tool: 'pg_dump', exitCode: 1, stderr: 'auth *** failed' });
    pw.forget();
  });

  it('createError maps every kind to its class', () => {
    const kinds: Record<ErrorKind, typeof GdsError> = {
      CONNECTION: ConnectionError,
      AUTHENTICATION: AuthenticationError,
      PERMISSION_DENIED: GdsError,
      DATABASE_NOT_FOUND: DatabaseNotFoundError,
      DATABASE_ALREADY_EXISTS: GdsError,
      DATABASE_IN_USE: DatabaseInUseError,
      UNSUPPORTED_OPERATION: UnsupportedOperationError,
      OPERATION_TIMEOUT: OperationTimeoutError,
      OPERATION_CANCELLED: OperationCancelledError,
      DEADLOCK: DeadlockError,
      QUERY: QueryError,
    };
    for (const [kind, Class] of Object.entries(kinds) as [ErrorKind, typeof GdsError][]) {
      const e = createError(kind, 'm', { serverCode: '123' });
      expect(e.code).toBe(kind);
      expect(Class.isInstance(e)).toBe(true);
      expect(e.serverCode).toBe('123');
    }
  });
});
