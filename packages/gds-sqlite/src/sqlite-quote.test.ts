import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@gds/database';
import { MAX_NAME_BYTES, quoteIdentifier, validateDatabaseName } from './sqlite-quote.js';

describe('validateDatabaseName (a file name, refused not changed)', () => {
  it.each([
    ['', /must not be empty/],
    ['.', /must not be \. or \.\./],
    ['..', /must not be \. or \.\./],
    ['../escape', /must not start with a dot/],
    ['a/b', /must not contain "\/"/],
    ['a\\b', /must not contain "\\\\"/],
    ['a\u0000b', /U\+0000/],
    ['tab\there', /U\+0009/],
    ['line\nbreak', /U\+000A/],
    ['.hidden', /must not start with a dot/],
    ['trailing.', /must not end with a space or a dot/],
    ['trailing ', /must not end with a space or a dot/],
    ['a:b', /must not contain ":"/],
    ['a*b', /must not contain "\*"/],
    ['CON', /device name on Windows/],
    ['com1', /device name on Windows/],
    ['x'.repeat(MAX_NAME_BYTES + 1), /bytes long/],
    ['é'.repeat(95), /190 bytes long/],
  ])('refuses %j', (name, message) => {
    expect(() => validateDatabaseName(name)).toThrow(ValidationError);
    expect(() => validateDatabaseName(name)).toThrow(message);
  });

  it.each([['app'], ['gds conf "quoted" name'], ["it's"], ['semi; DROP TABLE x; --'], ['[bracket]]'], ['ünï_çødé'], ['x'.repeat(MAX_NAME_BYTES)], ['a.b'], ['CONSOLE']])('accepts %j exactly', (name) => {
    expect(() => validateDatabaseName(name)).not.toThrow();
  });
});

describe('quoteIdentifier', () => {
  it('doubles quotes and refuses empty or NUL', () => {
    expect(quoteIdentifier('main')).toBe('"main"');
    expect(quoteIdentifier('a"b""c')).toBe('"a""b""""c"');
    expect(() => quoteIdentifier('')).toThrow(ValidationError);
    expect(() => quoteIdentifier('x\u0000')).toThrow(ValidationError);
  });
});
