import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@gds/database';
import { MAX_IDENTIFIER_LENGTH, identifierProblem, quoteIdentifier, quoteString, sameName, validateIdentifier } from './mysql-quote.js';

const evidence = JSON.parse(readFileSync(join(__dirname, '..', 'test', 'evidence', 'identifiers.json'), 'utf8')) as { maxLength: number; forbidden: string[]; supplementaryExample: string; trailingSpaceRefused: boolean };

describe('quoteIdentifier (the manual\'s rules, test/evidence/identifiers.json)', () => {
  it('doubles backticks and keeps everything else exactly', () => {
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(quoteIdentifier('``')).toBe('``````');
    for (const n of ["it's", 'semi; DROP DATABASE x; --', 'q?mark', '/* c */', 'ünï çødé', 'a"b', 'a\\b', 'tab\tnew\nline']) expect(quoteIdentifier(n)).toBe(`\`${n}\``);
  });

  it(`refuses past ${MAX_IDENTIFIER_LENGTH} characters (counted in characters, not bytes), never truncates`, () => {
    expect(MAX_IDENTIFIER_LENGTH).toBe(evidence.maxLength);
    expect(quoteIdentifier('é'.repeat(evidence.maxLength))).toBe(`\`${'é'.repeat(64)}\``);
    expect(() => quoteIdentifier('é'.repeat(evidence.maxLength + 1))).toThrow(/65 characters long/);
  });

  it('refuses NUL, supplementary characters, a trailing space and the empty name', () => {
    for (const c of evidence.forbidden) expect(() => quoteIdentifier(`a${c}b`)).toThrow(ValidationError);
    expect(identifierProblem(`a${evidence.supplementaryExample}`)).toMatch(/Basic Multilingual Plane/);
    expect(evidence.trailingSpaceRefused).toBe(true);
    expect(() => validateIdentifier('name ')).toThrow(/end with a space/);
    expect(() => validateIdentifier(' name')).not.toThrow();
    expect(() => validateIdentifier('')).toThrow(/empty/);
  });
});

describe('quoteString and sameName', () => {
  it('quoteString doubles quotes and backslashes, refuses NUL', () => {
    expect(quoteString("it's \\ here")).toBe("'it''s \\\\ here'");
    expect(() => quoteString('a\u0000')).toThrow(ValidationError);
  });

  it('sameName follows lower_case_table_names', () => {
    expect(sameName('App', 'app', 0)).toBe(false);
    expect(sameName('App', 'App', 0)).toBe(true);
    expect(sameName('App', 'app', 1)).toBe(true);
    expect(sameName('App', 'aPP', 2)).toBe(true);
  });
});
