import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { databaseNameIssues, quoteName, validateCollectionName, validateDatabaseName } from './mongodb-quote.js';

describe('MongoDB names', () => {
  it.each(['a/b', 'a\\b', 'a.b', 'a b', 'a"b', 'a$b', 'a*b', 'a<b', 'a>b', 'a:b', 'a|b', 'a?b', 'a\u0000b', '', 'é'.repeat(32)])('refuses the database name %j', (name) => {
    expect(() => validateDatabaseName(name)).toThrow(ValidationError);
  });

  it.each(["it's", 'semi;colon', '[bracket]]', 'ünïçødé', '{ne=1}', 'x'.repeat(63), 'DROP_DATABASE--'])('accepts the database name %j', (name) => {
    expect(databaseNameIssues(name)).toEqual([]);
  });

  it('counts bytes, not characters', () => {
    expect(databaseNameIssues('é'.repeat(31))).toEqual([]);
    expect(databaseNameIssues('é'.repeat(32))[0]?.message).toMatch(/64 bytes/);
  });

  it('checks collection names', () => {
    expect(() => validateCollectionName('app', 'orders')).not.toThrow();
    expect(() => validateCollectionName('app', 'a$b')).toThrow(/'\$'/);
    expect(() => validateCollectionName('app', 'system.x')).toThrow(/system\./);
    expect(() => validateCollectionName('app', 'system.js', true)).not.toThrow();
    expect(() => validateCollectionName('app', 'x'.repeat(252))).toThrow(/255/);
  });

  it('shows names as JSON strings that survive any character', () => {
    for (const name of [`it's "x"`, 'a\\b', 'line\nbreak', 'ünï']) expect(JSON.parse(quoteName(name))).toBe(name);
  });
});
