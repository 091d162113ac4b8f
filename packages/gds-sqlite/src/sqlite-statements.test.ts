import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import * as S from './sqlite-statements.js';

describe('SQLite statements', () => {
  it('set pragmas only with values from their closed lists or ranges (a PRAGMA takes no parameters)', () => {
    expect(S.setPragma('page_size', 8192).text).toBe('PRAGMA page_size = 8192');
    expect(S.setPragma('journal_mode', 'wal').text).toBe('PRAGMA journal_mode = WAL');
    expect(S.setPragma('auto_vacuum', 'incremental').text).toBe('PRAGMA auto_vacuum = INCREMENTAL');
    expect(S.setPragma('encoding', 'UTF-16le').text).toBe("PRAGMA encoding = 'UTF-16le'");
    expect(S.setPragma('application_id', -1).text).toBe('PRAGMA application_id = -1');
    for (const [name, value] of [
      ['page_size', 1000],
      ['page_size', 131072],
      ['journal_mode', 'off; DROP TABLE x'],
      ['encoding', "UTF-8'; --"],
      ['user_version', 2 ** 31],
      ['application_id', 1.5],
    ] as const) {
      expect(() => S.setPragma(name, value)).toThrow(ValidationError);
    }
  });

  it('pass values as parameters where SQLite takes them', () => {
    expect(S.vacuumInto('/x/y.db')).toMatchObject({ text: 'VACUUM INTO ?', params: ['/x/y.db'] });
    expect(S.listTables('main').params).toEqual(['main', 'main']);
    expect(S.listTables(undefined).params).toEqual([null, null]);
    expect(S.attach('/d/a.db', '"a"')).toMatchObject({ text: 'ATTACH DATABASE ? AS "a"', params: ['/d/a.db'] });
  });

  it('integrity checks and checkpoints take checked arguments', () => {
    expect(S.integrityCheck(false, 100).text).toBe('PRAGMA integrity_check(100)');
    expect(S.integrityCheck(true, 1).text).toBe('PRAGMA quick_check(1)');
    expect(() => S.integrityCheck(true, 0)).toThrow(ValidationError);
    expect(S.walCheckpoint('truncate').text).toBe('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(() => S.walCheckpoint('all' as never)).toThrow(ValidationError);
  });

  it('describes a statement with its parameters in SQLite literal syntax and its file, on one line', () => {
    expect(S.describeStatement(S.vacuumInto("it's\nhere", '/d/app.db'))).toBe("VACUUM INTO ? -- ?1 = 'it''s\\nhere', in /d/app.db");
    expect(S.describeStatement(S.listTables(undefined))).toContain('?1 = NULL, ?2 = NULL');
    expect(S.describeStatement(S.vacuum())).toBe('VACUUM');
  });
});
