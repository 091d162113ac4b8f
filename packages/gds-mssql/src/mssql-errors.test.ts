import { describe, expect, it } from '@jest/globals';
import {
  DatabaseInUseError,
  DeadlockError,
  GdsError,
  QueryError,
  Secret,
} from '@gds/database';
import { ERROR_CLASSES } from '@gds/database/engine';
import { classifyMssqlError, errorCodesOf, mapMssqlError, MSSQL_DRIVER_CODES, MSSQL_ERROR_NUMBERS } from './mssql-errors.js';

const mssqlErrorKind = (error: unknown) => classifyMssqlError(error).kind;

/** A tedious RequestError-like error: message, code EREQUEST and the server number. */
const requestError = (number: number) => Object.assign(new Error(`server said ${number}`), { name: 'RequestError', code: 'EREQUEST', number });

describe('MSSQL_ERROR_NUMBERS', () => {
  it('covers the numbers of the issue', () => {
    expect(MSSQL_ERROR_NUMBERS).toMatchObject({
      18456: 'AUTHENTICATION', 4060: 'DATABASE_NOT_FOUND', 229: 'PERMISSION_DENIED', 262: 'PERMISSION_DENIED', 300: 'PERMISSION_DENIED',
      3701: 'DATABASE_NOT_FOUND', 911: 'DATABASE_NOT_FOUND', 1801: 'DATABASE_ALREADY_EXISTS', 3702: 'DATABASE_IN_USE', 1205: 'DEADLOCK',
    });
    expect(Object.isFrozen(MSSQL_ERROR_NUMBERS)).toBe(true);
  });

  it.each(Object.entries(MSSQL_ERROR_NUMBERS))('server error %s maps to %s, cause and number kept', (number, kind) => {
    const original = requestError(Number(number));
    const e = mapMssqlError(original, 'drop');
    expect(e.code).toBe(kind);
    expect(ERROR_CLASSES[kind].isInstance(e)).toBe(true);
    expect(e.serverCode).toBe(number);
    expect(e.cause).toBe(original);
    expect(e.engine).toBe('mssql');
    expect(e.operation).toBe('drop');
    expect(e.hint === undefined || typeof e.hint === 'string').toBe(true);
  });
});

describe('MSSQL_DRIVER_CODES', () => {
  it.each(Object.entries(MSSQL_DRIVER_CODES))('driver code %s maps to %s', (code, kind) => {
    const e = mapMssqlError(Object.assign(new Error(code), { code }), 'exists');
    expect(e.code).toBe(kind);
    expect(e.serverCode).toBe(code);
  });

  it('a connect ETIMEOUT (ConnectionError) is a connection failure, a request ETIMEOUT a timeout', () => {
    expect(mssqlErrorKind({ name: 'ConnectionError', code: 'ETIMEOUT' })).toBe('CONNECTION');
    expect(mssqlErrorKind({ name: 'RequestError', code: 'ETIMEOUT' })).toBe('OPERATION_TIMEOUT');
  });

  it('the server number wins over the driver code; a login failure carries its number', () => {
    expect(mssqlErrorKind({ code: 'ELOGIN', number: 4060 })).toBe('DATABASE_NOT_FOUND');
    expect(mssqlErrorKind({ code: 'ELOGIN' })).toBe('AUTHENTICATION');
    expect(mssqlErrorKind({ code: 'EREQUEST', number: 99999 })).toBe('QUERY');
  });

  it('reads the first error of an AggregateError (tedious tries every address)', () => {
    const agg = new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], 'Failed to connect');
    expect(errorCodesOf(agg).code).toBe('ECONNREFUSED');
    expect(mapMssqlError(agg, 'connect').code).toBe('CONNECTION');
  });
});

describe('mapMssqlError', () => {
  it('passes gds errors through and maps unknown values to QueryError', () => {
    const gds = new DeadlockError('x');
    expect(mapMssqlError(gds, 'op')).toBe(gds);
    expect(mapMssqlError('boom', 'op')).toBeInstanceOf(QueryError);
    expect(GdsError.isInstance(mapMssqlError(undefined, 'op'))).toBe(true);
  });

  it('redacts a live secret from the message and the cause', () => {
    const pw = new Secret('Sup3r-Secret-pw');
    const e = mapMssqlError(Object.assign(new Error("Login failed for 'sa' with Sup3r-Secret-pw"), { code: 'ELOGIN', number: 18456 }), 'connect');
    expect(e.message).not.toContain('Sup3r-Secret-pw');
    expect((e.cause as Error).message).not.toContain('Sup3r-Secret-pw');
    expect(e.retryable).toBe(false);
    pw.forget();
  });

  it('connection, deadlock and timeout errors are retryable', () => {
    expect(mapMssqlError({ code: 'ESOCKET', message: 'x' }, 'op').retryable).toBe(true);
    expect(mapMssqlError({ number: 1205, message: 'x' }, 'op').retryable).toBe(true);
    expect(mapMssqlError({ number: 1222, message: 'x' }, 'op').retryable).toBe(true);
    expect(mapMssqlError({ number: 3702, message: 'x' }, 'op').hint).toMatch(/force: true/);
  });
});

describe('several server errors for one statement (tedious AggregateError)', () => {
  // tedious's token handler: a second ERROR token turns request.error into new AggregateError(errors): its message is ''
  const agg = (...numbers: Array<[number, string]>) => new AggregateError(numbers.map(([n, m]) => Object.assign(new Error(m), { name: 'RequestError', code: 'EREQUEST', number: n })));

  it('keeps every server message and number, and the trailer (3013) does not decide the kind', () => {
    const e = mapMssqlError(agg([3201, "Cannot open backup device '/b/x.bak'. Operating system error 2(The system cannot find the file specified.)."], [3013, 'BACKUP DATABASE is terminating abnormally.']), 'backup');
    expect(e.message).toBe("backup: Cannot open backup device '/b/x.bak'. Operating system error 2(The system cannot find the file specified.). (3201) BACKUP DATABASE is terminating abnormally. (3013)");
    expect(e.serverCode).toBe('3201');
    expect(e.hint).toMatch(/SQL Server machine/);
  });

  it('ALTER DATABASE ... WITH NO_WAIT with users connected (5070 then 5069) is DatabaseInUseError', () => {
    const e = mapMssqlError(agg([5070, "Database state cannot be changed while other users are using the database 'app'"], [5069, 'ALTER DATABASE statement failed.']), 'setOffline');
    expect(DatabaseInUseError.isInstance(e)).toBe(true);
    expect(e.message).toContain('(5070)');
    expect(e.message).toContain('ALTER DATABASE statement failed. (5069)');
  });

  it('RESTORE of a log backup with RESTORE DATABASE (3135 + 3013) keeps the first number; 3102 (own session) is in use', () => {
    expect(mapMssqlError(agg([3135, "The backup set in file '/b/1.trn' was created by BACKUP LOG and cannot be used for this restore operation."], [3013, 'RESTORE DATABASE is terminating abnormally.']), 'restore').serverCode).toBe('3135');
    expect(mssqlErrorKind(agg([3102, "RESTORE cannot process database 'app' because it is in use by this session."], [3013, 'RESTORE DATABASE is terminating abnormally.']))).toBe('DATABASE_IN_USE');
    expect(mssqlErrorKind(agg([3013, 'x'], [3013, 'y']))).toBe('QUERY');
  });
});
