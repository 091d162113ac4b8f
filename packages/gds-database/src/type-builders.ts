/**
 * The TypeBox builders gds uses, made without loading TypeBox's type engine. TypeBox 1.x's
 * builders share one module graph with its type-level machinery (template literals, deferred
 * types, the script parser): about 165 KB of code, ~4.5 ms of every process start, only to make
 * a few hundred plain objects at import time. For the argument shapes gds's schemas use, each
 * function here returns exactly what TypeBox's builder returns (same keys, key order,
 * enumerability and the hidden `~kind` / `~optional` markers, with TypeBox's default settings);
 * any other shape (a record key other than a plain string, a literal that is not one...) is
 * handed to TypeBox's own builder, loaded on demand. Tests rebuild every exported schema of every
 * package with TypeBox and compare.
 *
 * @module
 */
import type {
  Array as TArray,
  Boolean as TBoolean,
  Enum as TEnum,
  Integer as TInteger,
  Literal as TLiteral,
  Number as TNumber,
  Object as TObject,
  Optional as TOptional,
  Record as TRecord,
  String as TString,
  Union as TUnion,
  Unknown as TUnknown,
} from 'typebox';
import { typeBox } from './lazy-typebox.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;
const isKind = (v: unknown, kind: string): boolean => isObject(v) && '~kind' in v && v['~kind'] === kind;
const isUnsafeKey = (key: string): boolean => key === '__proto__' || key === 'constructor' || key === 'prototype';

function hide(target: Json, key: string, value: unknown): void {
  Object.defineProperty(target, key, { configurable: true, writable: true, enumerable: false, value });
}

/** TypeBox's Memory.Create: enumerable properties, then options, then the hidden kind. */
function create(kind: string, enumerable: Json, options: unknown): Json {
  const result: Json = { ...enumerable, ...(isObject(options) ? options : {}) };
  hide(result, '~kind', kind);
  return result;
}

/** TypeBox's Memory.Update: a copy of `current` with `hidden` and `enumerable` properties set. */
function update(current: Json, hidden: Json, enumerable: Json): Json {
  const result: Json = {};
  for (const k of Object.getOwnPropertyNames(current)) {
    if (isUnsafeKey(k) || Object.hasOwn(hidden, k) || Object.hasOwn(enumerable, k)) continue;
    Object.defineProperty(result, k, Object.getOwnPropertyDescriptor(current, k) as PropertyDescriptor);
  }
  for (const [k, v] of Object.entries(hidden)) if (!isUnsafeKey(k)) hide(result, k, v);
  for (const [k, v] of Object.entries(enumerable)) if (!isUnsafeKey(k)) Object.defineProperty(result, k, { configurable: true, enumerable: true, writable: true, value: v });
  return result;
}

const literalType = (value: unknown): string | undefined =>
  typeof value === 'bigint' ? 'bigint' : typeof value === 'boolean' ? 'boolean' : Number.isFinite(value) ? 'number' : typeof value === 'string' ? 'string' : undefined;

/** The builders, each with its TypeBox signature. */
export interface TypeBuilders {
  /** TypeBox's `Array`. */
  Array: typeof TArray;
  /** TypeBox's `Boolean`. */
  Boolean: typeof TBoolean;
  /** TypeBox's `Enum`. */
  Enum: typeof TEnum;
  /** TypeBox's `Integer`. */
  Integer: typeof TInteger;
  /** TypeBox's `Literal`. */
  Literal: typeof TLiteral;
  /** TypeBox's `Number`. */
  Number: typeof TNumber;
  /** TypeBox's `Object`. */
  Object: typeof TObject;
  /** TypeBox's `Optional`. */
  Optional: typeof TOptional;
  /** TypeBox's `Record`. */
  Record: typeof TRecord;
  /** TypeBox's `String`. */
  String: typeof TString;
  /** TypeBox's `Union`. */
  Union: typeof TUnion;
  /** TypeBox's `Unknown`. */
  Unknown: typeof TUnknown;
}

type Loose = (...args: unknown[]) => Json;

const builders: Record<keyof TypeBuilders, Loose> = {
  Array: (items, options) => create('Array', { type: 'array', items }, options),
  Boolean: (options) => create('Boolean', { type: 'boolean' }, options),
  Enum: (values, options) => {
    // a TypeScript enum object: its values without the numeric reverse mapping (as TypeBox does)
    const list = isObject(values) && !Array.isArray(values) ? Object.getOwnPropertyNames(values).filter((k) => Number.isNaN(Number(k))).map((k) => values[k]) : values;
    return create('Enum', { enum: list }, options);
  },
  Integer: (options) => create('Integer', { type: 'integer' }, options),
  Literal: (value, options) => {
    const type = literalType(value);
    return type ? create('Literal', { type, const: value }, options) : (typeBox().Literal as unknown as Loose)(value, options);
  },
  Number: (options) => create('Number', { type: 'number' }, options),
  Object: (properties, options) => {
    if (!isObject(properties)) return (typeBox().Object as unknown as Loose)(properties, options);
    const required = Object.getOwnPropertyNames(properties).filter((k) => !(isObject(properties[k]) && '~optional' in properties[k]));
    return create('Object', { type: 'object', ...(required.length > 0 ? { required } : {}), properties }, options);
  },
  Optional: (schema) => (isObject(schema) ? update(schema, { '~optional': true }, {}) : (typeBox().Optional as unknown as Loose)(schema)),
  Record: (key, value, options) => {
    // a plain string key (no pattern of its own) is TypeBox's '^.*$' pattern; any other key kind is TypeBox's to map
    if (!isKind(key, 'String') || 'pattern' in (key as Json)) return (typeBox().Record as unknown as Loose)(key, value, options);
    return update(create('Record', { type: 'object', patternProperties: { '^.*$': value } }, undefined), {}, isObject(options) ? options : {});
  },
  String: (options) => create('String', { type: 'string' }, options),
  Union: (anyOf, options) => create('Union', { anyOf }, options),
  Unknown: (options) => create('Unknown', {}, options),
};

/**
 * TypeBox's builders used by gds, without loading TypeBox's type engine (see the module notes).
 *
 * ### Examples
 * ```ts
 * const S = typeBuilders.Object({ n: typeBuilders.Optional(typeBuilders.Integer({ minimum: 1 })) }, { additionalProperties: false });
 * ```
 */
export const typeBuilders: TypeBuilders = Object.freeze(builders as unknown as TypeBuilders);
