import { describe, expect, it } from '@jest/globals';
import { ERROR_CLASSES } from '@gds/database/engine';
import { DatabaseNotFoundError, GdsError } from '@gds/database';
import { MYSQL_ERROR_TABLE, classifyMysqlError, errorCodeOf, mapMysqlError } from './mysql-errors.js';

/** A mysql2 server error as the driver makes it. */
const serverError = (errno: number, code: string, message: string) => Object.assign(new Error(message), { errno, code, sqlState: '42000', sqlMessage: message });

describe('the MySQL error table', () => {
  it.each([
    [1044, 'ER_DBACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    [1045, 'ER_ACCESS_DENIED_ERROR', 'AUTHENTICATION'],
    [1049, 'ER_BAD_DB_ERROR', 'DATABASE_NOT_FOUND'],
    [1008, 'ER_DB_DROP_EXISTS', 'DATABASE_NOT_FOUND'],
    [1007, 'ER_DB_CREATE_EXISTS', 'DATABASE_ALREADY_EXISTS'],
    [1213, 'ER_LOCK_DEADLOCK', 'DEADLOCK'],
    [1205, 'ER_LOCK_WAIT_TIMEOUT', 'OPERATION_TIMEOUT'],
    [1227, 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    [1142, 'ER_TABLEACCESS_DENIED_ERROR', 'PERMISSION_DENIED'],
    [1317, 'ER_QUERY_INTERRUPTED', 'OPERATION_CANCELLED'],
    [1040, 'ER_CON_COUNT_ERROR', 'CONNECTION'],
    [1146, 'ER_NO_SUCH_TABLE', 'QUERY'],
    [1064, 'ER_PARSE_ERROR', 'QUERY'],
  ])('%i (%s) is %s', (errno, code, kind) => {
    const c = classifyMysqlError(serverError(errno, code, 'x'));
    expect(c.kind).toBe(kind);
    expect(c.code).toBe(String(errno));
  });

  it('client and socket errors are connection errors with a hint for the cause', () => {
    expect(classifyMysqlError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { errno: -111, code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'CONNECTION', code: 'ECONNREFUSED', hint: expect.stringMatching(/nothing listens/) });
    expect(classifyMysqlError(Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })).kind).toBe('CONNECTION');
    for (const n of ['2002', '2003', '2006', '2013']) expect(MYSQL_ERROR_TABLE[n]).toBe('CONNECTION');
    expect(classifyMysqlError(new Error('self-signed certificate in certificate chain')).hint).toMatch(/TLS/);
  });

  it('every kind in the table is a gds error class; unknown codes are query errors', () => {
    for (const kind of Object.values(MYSQL_ERROR_TABLE)) expect(ERROR_CLASSES[kind]).toBeDefined();
    expect(classifyMysqlError(serverError(9999, 'ER_X', 'x')).kind).toBe('QUERY');
    expect(classifyMysqlError('plain string').kind).toBe('QUERY');
    expect(errorCodeOf(null)).toBeUndefined();
  });

  it('mapMysqlError keeps the cause and redacts a password in the message', () => {
    const cause = serverError(1049, 'ER_BAD_DB_ERROR', "Unknown database 'x' (url mysql://u:pw-very-secret@h/)");
    const e = mapMysqlError(cause, 'drop');
    expect(e).toBeInstanceOf(GdsError);
    expect(DatabaseNotFoundError.isInstance(e)).toBe(true);
    expect(e.cause).toBe(cause);
    expect(e.message).not.toContain('pw-very-secret');
  });
});
