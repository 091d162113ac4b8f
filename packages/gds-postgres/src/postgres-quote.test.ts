import { describe, it, expect } from '@jest/globals';
import { ValidationError, type GdsError } from '@gds/database';
import { MAX_IDENTIFIER_BYTES, conninfoValue, quoteIdentifier, quoteLiteral, validateIdentifierLength } from './postgres-quote.js';

const EMOJI = '\u{1F418}'; // 🐘, 4 bytes in UTF-8

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('quoteIdentifier', () => {
  it.each([
    ['app', '"app"'],
    ['My App', '"My App"'],
    ['', '""'],
    ['a"b', '"a""b"'],
    ['"', '""""'],
    ['""', '""""""'],
    ["it's", `"it's"`],
    ['back\\slash', '"back\\slash"'],
    ['semi;colon', '"semi;colon"'],
    ['x -- comment', '"x -- comment"'],
    ['x"; DROP DATABASE canary; --', '"x""; DROP DATABASE canary; --"'],
    ['línea ñ', '"línea ñ"'],
    ['日本語', '"日本語"'],
    [`db${EMOJI}`, `"db${EMOJI}"`],
    ['line\nbreak', '"line\nbreak"'],
    ['my "odd"; name', '"my ""odd""; name"'],
  ])('quotes %j as %j', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it('keeps every double quote inside doubled so the identifier cannot end early', () => {
    const quoted = quoteIdentifier('x"; DROP DATABASE canary; --');
    const inner = quoted.slice(1, -1);
    // the inner text, with doubled quotes removed, contains no lone double quote
    expect(inner.replaceAll('""', '')).not.toContain('"');
    expect(quoted.startsWith('"')).toBe(true);
    expect(quoted.endsWith('"')).toBe(true);
  });

  it('rejects a NUL character with a ValidationError', () => {
    const e = thrown(() => quoteIdentifier('a\u0000b'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as ValidationError).message).toBe('Invalid identifier: (value): must not contain a NUL character');
    expect((e as ValidationError).issues).toEqual([{ path: '', message: 'must not contain a NUL character' }]);
  });
});

describe('quoteIdentifier refuses names PostgreSQL would truncate', () => {
  it('accepts 63 bytes and refuses 64, in bytes not characters, naming what it is', () => {
    expect(quoteIdentifier('t'.repeat(63))).toBe(`"${'t'.repeat(63)}"`);
    expect(quoteIdentifier('é'.repeat(31) + 'x')).toBe(`"${'é'.repeat(31)}x"`);
    for (const name of ['t'.repeat(64), 'é'.repeat(32), EMOJI.repeat(16)]) {
      const e = thrown(() => quoteIdentifier(name, 'owner'));
      expect(ValidationError.isInstance(e)).toBe(true);
      expect((e as GdsError).message).toMatch(/^Invalid owner: .*is 64 bytes long/);
    }
  });
});

describe('quoteLiteral', () => {
  it.each([
    ['UTF8', "'UTF8'"],
    ['', "''"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
    ['a"b', `'a"b'`],
    ['x; DROP DATABASE canary; --', "'x; DROP DATABASE canary; --'"],
    ["x'; DROP DATABASE canary; --", "'x''; DROP DATABASE canary; --'"],
    ['en_US.UTF-8', "'en_US.UTF-8'"],
    ['ñ 日本 ' + EMOJI, `'ñ 日本 ${EMOJI}'`],
  ])('quotes %j as %j', (value, quoted) => {
    expect(quoteLiteral(value)).toBe(quoted);
  });

  it('makes an E-string with doubled backslashes when the value holds a backslash', () => {
    expect(quoteLiteral('back\\slash')).toBe("E'back\\\\slash'");
    expect(quoteLiteral('\\')).toBe("E'\\\\'");
    // a backslash before a quote cannot escape the (doubled) quote
    expect(quoteLiteral("a\\'; DROP DATABASE canary; --")).toBe("E'a\\\\''; DROP DATABASE canary; --'");
  });

  it('rejects a NUL character with a ValidationError', () => {
    const e = thrown(() => quoteLiteral('a\u0000'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as ValidationError).message).toBe('Invalid literal: (value): must not contain a NUL character');
  });
});

describe('conninfoValue', () => {
  it.each([
    ['app', "'app'"],
    ['', "''"],
    ['my db', "'my db'"],
    ['a=b', "'a=b'"],
    ['postgres://x', "'postgres://x'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'", "'\\\\\\''"],
    ['x"; DROP DATABASE canary; --', `'x"; DROP DATABASE canary; --'`],
    ['host=evil port=1', "'host=evil port=1'"],
    ['日本' + EMOJI, `'日本${EMOJI}'`],
  ])('quotes %j as %j', (value, quoted) => {
    expect(conninfoValue(value)).toBe(quoted);
  });
});

describe('validateIdentifierLength', () => {
  it('is 63 bytes', () => {
    expect(MAX_IDENTIFIER_BYTES).toBe(63);
  });

  it('accepts names up to 63 bytes, counted in UTF-8', () => {
    expect(() => validateIdentifierLength('x'.repeat(63))).not.toThrow();
    expect(() => validateIdentifierLength('')).not.toThrow();
    const emoji63 = EMOJI.repeat(15) + 'abc'; // 60 + 3 bytes
    expect(Buffer.byteLength(emoji63, 'utf8')).toBe(63);
    expect(() => validateIdentifierLength(emoji63)).not.toThrow();
    const accents63 = 'é'.repeat(31) + 'x'; // 62 + 1 bytes
    expect(() => validateIdentifierLength(accents63)).not.toThrow();
  });

  it('rejects 64 ASCII bytes, saying it would be truncated', () => {
    const e = thrown(() => validateIdentifierLength('x'.repeat(64)));
    expect(ValidationError.isInstance(e)).toBe(true);
    const v = e as ValidationError;
    expect(v.code).toBe('VALIDATION');
    expect(v.engine).toBe('postgresql');
    expect(v.message).toBe('Invalid database name: (value): is 64 bytes long; PostgreSQL would silently truncate it to 63 bytes');
    expect(v.issues).toEqual([{ path: '', message: 'is 64 bytes long; PostgreSQL would silently truncate it to 63 bytes' }]);
  });

  it('rejects 16 emoji (16 characters but 64 bytes)', () => {
    const name = EMOJI.repeat(16);
    expect(name.length).toBe(32); // UTF-16 code units
    expect(Buffer.byteLength(name, 'utf8')).toBe(64);
    const e = thrown(() => validateIdentifierLength(name));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toContain('is 64 bytes long');
    expect((e as GdsError).message).toContain('would silently truncate it to 63 bytes');
  });

  it('rejects 32 two-byte characters (64 bytes) and names the thing checked', () => {
    const e = thrown(() => validateIdentifierLength('é'.repeat(32), 'role name'));
    expect(ValidationError.isInstance(e)).toBe(true);
    expect((e as GdsError).message).toBe('Invalid role name: (value): is 64 bytes long; PostgreSQL would silently truncate it to 63 bytes');
  });
});
