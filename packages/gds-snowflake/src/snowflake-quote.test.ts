// Unit tests of the one quoting module, with hostile names.
import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { accountIdentifier, likePattern, quoteIdentifier, quoteString, unquotedName, validateIdentifier } from './snowflake-quote.js';

describe('Snowflake quoting', () => {
  it.each([
    ['sales', '"sales"'],
    ['SALES', '"SALES"'],
    ['a "b" c', '"a ""b"" c"'],
    ['x"; DROP DATABASE y; --', '"x""; DROP DATABASE y; --"'],
    ['db.schema', '"db.schema"'],
    ['ünï çødé', '"ünï çødé"'],
    ["it's", '"it\'s"'],
  ])('quotes identifier %j as %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it('refuses empty, NUL and over-long identifiers (255 characters, not bytes)', () => {
    expect(() => quoteIdentifier('')).toThrow(ValidationError);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(ValidationError);
    expect(() => validateIdentifier('x'.repeat(256))).toThrow(/255/);
    expect(() => validateIdentifier('é'.repeat(255))).not.toThrow();
  });

  it('quotes string literals with quotes and backslashes doubled', () => {
    expect(quoteString("it's")).toBe("'it''s'");
    expect(quoteString('a\\b')).toBe("'a\\\\b'");
    expect(quoteString("\\'; DROP")).toBe("'\\\\''; DROP'");
    expect(() => quoteString('\u0000')).toThrow(ValidationError);
  });

  it('gives the stored name of an unquoted identifier, and refuses names that would need quotes', () => {
    expect(unquotedName('sales_2026')).toBe('SALES_2026');
    expect(unquotedName('_x$')).toBe('_X$');
    expect(() => unquotedName('my db')).toThrow(ValidationError);
    expect(() => unquotedName('1abc')).toThrow(ValidationError);
  });

  it('accepts account identifiers as org.account or org-account only', () => {
    expect(accountIdentifier('myorg.dr_1')).toBe('MYORG.DR_1');
    expect(accountIdentifier('MyOrg-Dr')).toBe('MYORG.DR');
    for (const bad of ['myorg', 'a.b.c', 'a.b; DROP', 'a."b"']) expect(() => accountIdentifier(bad)).toThrow(ValidationError);
  });

  it('makes SHOW ... LIKE patterns that match the name whatever the escape rules (backslash -> _)', () => {
    expect(likePattern('a\\b')).toBe("'a_b'");
    expect(likePattern("it's_%")).toBe("'it''s_%'");
  });
});
