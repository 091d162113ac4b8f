/**
 * `@gds/database/schema`: the TypeBox schema builders gds uses, re-exported as one `Type` object
 * so that engines build their option schemas with the same copy of TypeBox as the core validates
 * them with. It is a subpath of its own (not in the main entry) because TypeDoc cannot render
 * TypeBox's builder signatures; see TypeBox's documentation for them.
 *
 * Only the builders gds needs are listed, and they are made without loading TypeBox's type
 * engine (see `type-builders.ts`: the same objects TypeBox builds, ~4.5 ms less at every process
 * start). Engines needing another builder can import `typebox` themselves: schemas are plain
 * JSON Schema objects, so they mix.
 *
 * @module
 */
import { typeBuilders, type TypeBuilders } from './type-builders.js';

export type { TypeBuilders };

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
export const Type: TypeBuilders = typeBuilders;
export type { Static, TSchema, TObject, TProperties } from 'typebox';
