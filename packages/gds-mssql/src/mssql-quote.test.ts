import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { MAX_IDENTIFIER_LENGTH, quoteIdentifier, quoteString, validateIdentifier } from './mssql-quote.js';

describe('quoteIdentifier (QUOTENAME rules)', () => {
  it.each([
    ['app', '[app]'],
    ['a]b', '[a]]b]'],
    ['[x]', '[[x]]]'],
    ['x]; DROP DATABASE canary; --', '[x]]; DROP DATABASE canary; --]'],
    ['it\'s "quoted"', '[it\'s "quoted"]'],
    ['ünï çødé 数据', '[ünï çødé 数据]'],
    [']]', '[]]]]]'],
  ])('%s -> %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it('accepts 128 characters and refuses 129 (QUOTENAME would return NULL)', () => {
    expect(quoteIdentifier('x'.repeat(MAX_IDENTIFIER_LENGTH))).toHaveLength(130);
    expect(() => quoteIdentifier('x'.repeat(129))).toThrow(ValidationError);
    expect(() => validateIdentifier('é'.repeat(129))).toThrow(/129 characters/);
  });

  it('refuses empty names and NUL characters', () => {
    expect(() => quoteIdentifier('')).toThrow(ValidationError);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/NUL/);
  });
});

describe('quoteString', () => {
  it('doubles single quotes in an N literal and leaves the rest alone', () => {
    expect(quoteString("C:\\data\\it's.mdf")).toBe("N'C:\\data\\it''s.mdf'");
    expect(quoteString("'; DROP DATABASE x; --")).toBe("N'''; DROP DATABASE x; --'");
    expect(() => quoteString('a\u0000')).toThrow(ValidationError);
  });
});
