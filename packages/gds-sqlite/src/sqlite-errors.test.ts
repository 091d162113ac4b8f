import { describe, expect, it } from '@jest/globals';
import { ERROR_CLASSES } from '@gds/database/engine';
import { classifySQLiteError, mapSQLiteError, SQLITE_ERROR_TABLE } from './sqlite-errors.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code, name: 'SqliteError' });

describe('the SQLite error table', () => {
  it('maps every entry to its class, keeping the cause and the code', () => {
    for (const [code, entry] of Object.entries(SQLITE_ERROR_TABLE)) {
      const cause = sqliteError(code, `boom ${code}`);
      const e = mapSQLiteError(cause, 'drop');
      expect(ERROR_CLASSES[entry.kind].isInstance(e)).toBe(true);
      expect(e.cause).toBe(cause);
      expect(e.serverCode).toBe(code);
      expect(e.message).toBe(`drop: boom ${code}`);
      expect(e.hint).toBe(entry.hint);
    }
  });

  it('matches extended codes by their primary code', () => {
    expect(classifySQLiteError(sqliteError('SQLITE_BUSY_SNAPSHOT', 'x')).kind).toBe('DATABASE_IN_USE');
    expect(classifySQLiteError(sqliteError('SQLITE_IOERR_SHORT_READ', 'x')).kind).toBe('QUERY');
    expect(classifySQLiteError(sqliteError('SQLITE_CANTOPEN_ISDIR', 'x'))).toMatchObject({ kind: 'CONNECTION', retryable: false });
    expect(classifySQLiteError(sqliteError('SQLITE_READONLY_DBMOVED', 'x')).kind).toBe('PERMISSION_DENIED');
  });

  it('an unknown code or a plain error is a query error', () => {
    expect(classifySQLiteError(sqliteError('SQLITE_MISMATCH', 'x'))).toEqual({ kind: 'QUERY', code: 'SQLITE_MISMATCH' });
    expect(classifySQLiteError(new Error('plain'))).toEqual({ kind: 'QUERY', code: undefined });
    expect(classifySQLiteError('a string')).toEqual({ kind: 'QUERY', code: undefined });
  });

  it('busy and locked errors are retryable (in use), cantopen is not', () => {
    expect(mapSQLiteError(sqliteError('SQLITE_BUSY', 'database is locked'), 'x').retryable).toBe(true);
    expect(mapSQLiteError(sqliteError('SQLITE_CANTOPEN', 'unable to open database file'), 'x').retryable).toBe(false);
  });
});
