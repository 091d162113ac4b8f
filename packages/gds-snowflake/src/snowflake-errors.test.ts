// Unit tests of the error table: every entry maps to its class, with the driver error as cause.
import { describe, expect, it } from '@jest/globals';
import { AuthenticationError, ConnectionError, DatabaseAlreadyExistsError, DatabaseNotFoundError, GdsError, PermissionDeniedError, QueryError, Secret } from '@gds/database';
import { createError } from '@gds/database/engine';
import { SNOWFLAKE_ERROR_TABLE, classifySnowflakeError, mapSnowflakeError, snowflakeErrorKind } from './snowflake-errors.js';
import { SNOWFLAKE_CAPABILITIES } from './snowflake-capabilities.js';

const driverError = (code: string | number, message: string) => Object.assign(new Error(message), { code, sqlState: '02000' });

describe('Snowflake error table', () => {
  it.each(Object.entries(SNOWFLAKE_ERROR_TABLE))('maps %s to %s', (code, kind) => {
    const message = code === '002003' || code === '002002' ? "Database 'X' is the subject" : 'failure';
    const mapped = mapSnowflakeError(driverError(/^\d+$/.test(code) && code.startsWith('4') ? Number(code) : code, message), 'op');
    expect(mapped.code).toBe(kind);
    expect(mapped.constructor).toBe(createError(kind, 'x').constructor);
    expect(mapped.serverCode).toBe(code);
    expect(mapped.engine).toBe('snowflake');
  });

  it('maps the codes the issue names', () => {
    expect(mapSnowflakeError(driverError('390100', 'Incorrect username or password was specified.'), 'connect')).toBeInstanceOf(AuthenticationError);
    expect(mapSnowflakeError(driverError('002003', "Database 'X' does not exist or not authorized."), 'drop')).toBeInstanceOf(DatabaseNotFoundError);
    expect(mapSnowflakeError(driverError('002002', "Database 'X' already exists."), 'create')).toBeInstanceOf(DatabaseAlreadyExistsError);
    expect(mapSnowflakeError(driverError('003001', 'Insufficient privileges'), 'create')).toBeInstanceOf(PermissionDeniedError);
    expect(mapSnowflakeError(driverError('390114', 'Authentication token has expired.'), 'x')).toBeInstanceOf(AuthenticationError);
    expect(mapSnowflakeError(driverError(407002, 'Unable to perform operation using terminated connection.'), 'x')).toBeInstanceOf(ConnectionError);
  });

  it('classifies without the repeated tail: kind, code and hint only; retryable comes from the class', () => {
    expect(classifySnowflakeError(driverError(407002, 'terminated connection'))).toEqual({ kind: 'CONNECTION', code: '407002', hint: expect.stringMatching(/network path/) });
    expect(classifySnowflakeError(driverError('000625', 'deadlock'))).toEqual({ kind: 'DEADLOCK', code: '000625', hint: undefined });
    expect(mapSnowflakeError(driverError(407002, 'terminated connection'), 'x').retryable).toBe(true);
    expect(mapSnowflakeError(driverError('000625', 'deadlock'), 'x').retryable).toBe(true);
    expect(mapSnowflakeError(driverError('390100', 'no'), 'x').retryable).toBe(false);
    expect(mapSnowflakeError(driverError('002003', "Database 'X' does not exist or not authorized."), 'drop').message).toBe("drop: Database 'X' does not exist or not authorized.");
  });

  it('tells a missing schema from a missing database (002003 is the same code for both)', () => {
    expect(snowflakeErrorKind('002003', "Schema 'D.S' does not exist or not authorized.")).toBe('QUERY');
    expect(mapSnowflakeError(driverError('002003', "Table 'T' does not exist or not authorized."), 'x')).toBeInstanceOf(QueryError);
    expect(snowflakeErrorKind('002002', "SQL compilation error:\nObject 'GDS_DUP' already exists.")).toBe('DATABASE_ALREADY_EXISTS');
    expect(snowflakeErrorKind('001003', 'syntax error')).toBe('QUERY');
    expect(snowflakeErrorKind(undefined)).toBe('QUERY');
  });

  it('keeps the cause, adds a hint, redacts secrets, and passes gds errors through', () => {
    const secret = new Secret('Sup3r-Secret-pw');
    const cause = driverError('390100', 'login failed for password Sup3r-Secret-pw');
    const mapped = mapSnowflakeError(cause, 'connect');
    expect(mapped.cause).toBe(cause);
    expect(mapped.message).not.toContain('Sup3r-Secret-pw');
    expect(mapped.hint).toMatch(/credentials/);
    secret.forget();
    const already = new QueryError('x');
    expect(mapSnowflakeError(already, 'y')).toBe(already);
    expect(mapSnowflakeError('plain string', 'op')).toBeInstanceOf(GdsError);
  });

  it('gives a reason for every unsupported capability', () => {
    for (const [feature, entry] of Object.entries(SNOWFLAKE_CAPABILITIES)) {
      expect([feature, entry === true || (typeof entry === 'string' && entry.length > 20)]).toEqual([feature, true]);
    }
    expect(SNOWFLAKE_CAPABILITIES['state.offline']).toMatch(/no offline state/);
  });
});
