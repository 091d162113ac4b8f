import { describe, expect, it } from '@jest/globals';
import Type from 'typebox';
import { Check } from 'typebox/value';
import { quickCheck } from './quick-check.js';
import * as core from './index.js';

// quickCheck may say "not sure" (false) where TypeBox says valid, never "valid" where TypeBox
// says invalid; and for the plain options people pass it must say "valid" (the fast path).
const agree = (schema: unknown, value: unknown) => {
  const quick = quickCheck(schema, value);
  if (quick) expect({ value, typebox: Check(schema as Parameters<typeof Check>[0], value) }).toEqual({ value, typebox: true });
  return quick;
};

describe('quickCheck', () => {
  const S = Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 3 }),
      n: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
      x: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
      mode: Type.Optional(Type.Union([Type.Literal('a'), Type.Literal('b')])),
      kind: Type.Optional(Type.Enum(['p', 'q'])),
      tags: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z]+$' }), { minItems: 1, maxItems: 2 })),
      extra: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      on: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  );

  it('accepts what TypeBox accepts for the keywords it knows', () => {
    for (const v of [
      { name: 'a' },
      { name: 'abc', n: 1, x: 0.5, mode: 'b', kind: 'q', tags: ['x', 'yz'], extra: { any: [1] }, on: false },
      { name: '\u{1F600}\u{1F600}\u{1F600}' }, // three code points, six UTF-16 units: TypeBox counts code points
    ]) {
      expect(agree(S, v)).toBe(true);
    }
  });

  it('is not sure about anything invalid, and TypeBox agrees it is invalid', () => {
    for (const v of [
      {},
      { name: '' },
      { name: 'abcd' },
      { name: 'a', n: 0 },
      { name: 'a', n: 11 },
      { name: 'a', n: 1.5 },
      { name: 'a', x: 0 },
      { name: 'a', x: 1 },
      { name: 'a', x: Number.NaN },
      { name: 'a', mode: 'c' },
      { name: 'a', kind: 'r' },
      { name: 'a', tags: [] },
      { name: 'a', tags: ['a', 'b', 'c'] },
      { name: 'a', tags: ['A'] },
      { name: 'a', extra: [] },
      { name: 'a', on: 'yes' },
      { name: 'a', bogus: 1 },
      { name: 7 },
      [],
      null,
      'a',
    ]) {
      expect(agree(S, v)).toBe(false);
      expect(Check(S, v)).toBe(false);
    }
  });

  it('leaves to TypeBox what depends on its settings or on keywords it does not know', () => {
    expect(agree(S, { name: 'a', n: undefined })).toBe(false); // exactOptionalPropertyTypes decides
    expect(agree(S, Object.create({ name: 'a' }))).toBe(false); // an inherited property
    expect(agree(Type.String({ format: 'date-time' }), '2026-01-01T00:00:00Z')).toBe(false);
    expect(agree(Type.Number({ multipleOf: 2 }), 4)).toBe(false);
    expect(agree(Type.Union([Type.String(), Type.Null()]), null)).toBe(true);
    expect(agree({ type: ['string', 'null'] }, 'a')).toBe(false);
    expect(agree({ $ref: '#/x' }, 'a')).toBe(false);
    expect(agree({ minimum: 1 }, 0n)).toBe(false); // TypeBox applies numeric keywords to bigints
    expect(agree(Type.Refine(Type.Number(), (n) => n > 5), 1)).toBe(false);
    expect(agree(true, 1)).toBe(false);
  });

  it('says valid for every core option schema with plain valid options (the fast path)', () => {
    const valid: Array<[unknown, unknown]> = [
      [core.ReadOptionsSchema, { timeoutMs: 5000 }],
      [core.MutationOptionsSchema, { dryRun: true, timeoutMs: 1 }],
      [core.DropOptionsSchema, { force: true, dryRun: false }],
      [core.ListDatabasesOptionsSchema, { withMetadata: true, includeSystem: false }],
      [core.BackupOptionsSchema, { type: core.BackupType.FULL }],
      [core.SyncModeSchema, 'synchronous'],
    ];
    for (const [schema, value] of valid) expect(agree(schema, value)).toBe(true);
  });
});
