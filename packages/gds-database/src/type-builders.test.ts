import { describe, expect, it } from '@jest/globals';
import * as TypeBox from 'typebox';
import { typeBuilders as T } from './type-builders.js';

// Same keys in the same order, same values, same hidden markers (every package's exported
// schemas are compared node by node in @gds/testkit's describeOptionSchemas; these are the
// argument shapes gds itself does not use).
const hidden = (s: object) =>
  Object.getOwnPropertyNames(s)
    .filter((k) => !Object.getOwnPropertyDescriptor(s, k)?.enumerable)
    .map((k) => [k, (s as Record<string, unknown>)[k]]);
const same = (ours: object, theirs: object) => {
  expect(Object.getOwnPropertyNames(ours)).toEqual(Object.getOwnPropertyNames(theirs));
  expect(ours).toEqual(theirs);
  expect(hidden(ours)).toEqual(hidden(theirs));
};

enum Color {
  Red = 'red',
  Blue = 'blue',
}
enum Level {
  Low,
  High,
}

describe('typeBuilders', () => {
  it('builds what TypeBox builds', () => {
    same(T.Object({}), TypeBox.Object({}));
    same(T.Object({ a: T.String() }, { $id: 'X', additionalProperties: false, description: 'd' }), TypeBox.Object({ a: TypeBox.String() }, { $id: 'X', additionalProperties: false, description: 'd' }));
    same(T.Optional(T.Optional(T.Integer({ minimum: 1 }))), TypeBox.Optional(TypeBox.Optional(TypeBox.Integer({ minimum: 1 }))));
    same(T.Enum(Color), TypeBox.Enum(Color));
    same(T.Enum(Level), TypeBox.Enum(Level));
    same(T.Enum(['a', 1]), TypeBox.Enum(['a', 1]));
    for (const v of ['x', 5, true, 10n] as const) same(T.Literal(v, { description: 'l' }), TypeBox.Literal(v, { description: 'l' }));
    same(T.Union([]), TypeBox.Union([]));
    same(T.Array(T.Unknown({ description: 'u' }), { minItems: 1 }), TypeBox.Array(TypeBox.Unknown({ description: 'u' }), { minItems: 1 }));
    same(T.Record(T.String(), T.Number(), { description: 'r', type: 'object' }), TypeBox.Record(TypeBox.String(), TypeBox.Number(), { description: 'r', type: 'object' }));
    same(T.Boolean({ default: true }), TypeBox.Boolean({ default: true }));
  });

  it('hands other shapes to TypeBox itself', () => {
    same(T.Record(T.Integer(), T.String()), TypeBox.Record(TypeBox.Integer(), TypeBox.String()));
    same(T.Record(T.String({ pattern: '^a' }), T.String()), TypeBox.Record(TypeBox.String({ pattern: '^a' }), TypeBox.String()));
    same(T.Record(T.Union([T.Literal('a'), T.Literal('b')]), T.String()), TypeBox.Record(TypeBox.Union([TypeBox.Literal('a'), TypeBox.Literal('b')]), TypeBox.String()));
    expect(() => T.Literal(Number.NaN)).toThrow(/Invalid Literal value/);
  });

  it('leaves its arguments alone', () => {
    const inner = T.String();
    const optional = T.Optional(inner);
    expect('~optional' in inner).toBe(false);
    expect(optional).not.toBe(inner);
  });
});
