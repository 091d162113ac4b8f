/**
 * `@gds/database/schema`: the TypeBox schema builders gds uses, re-exported as one `Type` object
 * so that engines build their option schemas with the same copy of TypeBox as the core validates
 * them with. It is a subpath of its own (not in the main entry) because TypeDoc cannot render
 * TypeBox's builder signatures; see TypeBox's documentation for them.
 *
 * Only the builders gds needs are listed: importing them by name lets the published bundle of
 * the core leave the rest of TypeBox out (the whole `Type` namespace, with its script parser,
 * is several hundred modules; what is kept loads in ~15 ms). Engines needing another builder can
 * import `typebox` themselves: schemas are plain JSON Schema, so copies interoperate.
 *
 * @module
 */
import {
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

/** The builders in {@link Type}, each TypeBox's own function. */
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

/**
 * TypeBox's builders used by gds: `Object`, `Optional`, `String`, `Integer`, `Number`,
 * `Boolean`, `Enum`, `Literal`, `Union`, `Array`, `Record`, `Unknown`.
 *
 * ### Examples
 * ```ts
 * import { extendOptions, MutationOptionsSchema } from '@gds/database';
 * import { Type } from '@gds/database/schema';
 * export const VacuumOptionsSchema = extendOptions(MutationOptionsSchema, { full: Type.Optional(Type.Boolean()) });
 * ```
 */
export const Type: TypeBuilders = Object.freeze({
  Array: TArray,
  Boolean: TBoolean,
  Enum: TEnum,
  Integer: TInteger,
  Literal: TLiteral,
  Number: TNumber,
  Object: TObject,
  Optional: TOptional,
  Record: TRecord,
  String: TString,
  Union: TUnion,
  Unknown: TUnknown,
});
export type { Static, TSchema, TObject, TProperties } from 'typebox';
