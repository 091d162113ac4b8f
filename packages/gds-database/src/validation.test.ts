import { describe, expect, it } from '@jest/globals';
import Type from 'typebox';
import { ValidationError } from './errors.js';
import { BackupOptionsSchema, DropOptionsSchema, extendOptions, MutationOptionsSchema } from './options.js';
import { validateDatabaseName, validateOptions } from './validation.js';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (ValidationError.isInstance(e)) return e.issues;
    throw e;
  }
  throw new Error('expected a ValidationError');
};

describe('validateOptions', () => {
  it('accepts valid options and returns them unchanged', () => {
    const signal = new AbortController().signal;
    const o = { force: true, dryRun: false, timeoutMs: 10, signal, onMessage: () => undefined };
    expect(validateOptions(DropOptionsSchema, o, 'drop')).toBe(o);
    expect(validateOptions(DropOptionsSchema, undefined, 'drop')).toEqual({});
    expect(validateOptions(DropOptionsSchema, { force: undefined }, 'drop')).toEqual({ force: undefined });
  });

  it('lists every bad field with its path, and unknown options', () => {
    const issues = issuesOf(() => validateOptions(DropOptionsSchema, { force: 'yes', timeoutMs: 0, forse: true }, 'drop'));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '/force', message: 'must be boolean' },
        { path: '/timeoutMs', message: 'must be >= 1' },
        { path: '/forse', message: 'is not a known option' },
      ]),
    );
    expect(issues).toHaveLength(3);
  });

  it('refuses a timeoutMs a Node timer cannot honour (above 2^31-1 it would become 1 ms), for every option schema', () => {
    for (const schema of [DropOptionsSchema, BackupOptionsSchema, MutationOptionsSchema]) {
      expect(issuesOf(() => validateOptions(schema, { timeoutMs: 2 ** 31 }, 'x'))).toEqual([{ path: '/timeoutMs', message: 'must be <= 2147483647' }]);
      expect(validateOptions(schema, { timeoutMs: 2 ** 31 - 1 }, 'x')).toEqual({ timeoutMs: 2 ** 31 - 1 });
    }
  });

  it('checks run-time option types', () => {
    const issues = issuesOf(() => validateOptions(BackupOptionsSchema, { signal: 'x', onProgress: 5 }, 'backup'));
    expect(issues).toEqual([
      { path: '/signal', message: 'must be an AbortSignal' },
      { path: '/onProgress', message: 'must be a function' },
    ]);
  });

  it('refuses an enum value that is not one', () => {
    const issues = issuesOf(() => validateOptions(BackupOptionsSchema, { type: 'weekly' }, 'backup'));
    expect(issues[0]?.path).toBe('/type');
  });

  it('extendOptions keeps base fields and refuses unknown ones', () => {
    const S = extendOptions(MutationOptionsSchema, { full: Type.Optional(Type.Boolean()) });
    expect(validateOptions(S, { full: true, dryRun: true }, 'vacuum')).toEqual({ full: true, dryRun: true });
    expect(issuesOf(() => validateOptions(S, { fll: true }, 'vacuum'))).toEqual([{ path: '/fll', message: 'is not a known option' }]);
  });

  it('names the operation and engine in the error', () => {
    try {
      validateOptions(DropOptionsSchema, { force: 1 }, 'drop', 'postgresql');
    } catch (e) {
      expect((e as ValidationError).message).toBe('Invalid options for drop: /force: must be boolean');
      expect((e as ValidationError).engine).toBe('postgresql');
      expect((e as ValidationError).operation).toBe('drop');
    }
    expect.assertions(3);
  });
});

describe('validateDatabaseName', () => {
  it('refuses empty names, NUL and non-strings, accepts hostile but legal names', () => {
    expect(issuesOf(() => validateDatabaseName(''))).toEqual([{ path: '', message: 'must not be empty' }]);
    expect(issuesOf(() => validateDatabaseName('a\u0000b'))).toEqual([{ path: '', message: 'must not contain a NUL character' }]);
    expect(issuesOf(() => validateDatabaseName(42))).toEqual([{ path: '', message: 'must be a string' }]);
    expect(validateDatabaseName(`x"; DROP DATABASE y; --`)).toBe(`x"; DROP DATABASE y; --`);
  });
});
