/**
 * `@gds/database/schema`: TypeBox's schema builders (`Type`) and its static types, re-exported
 * so that engines build their option schemas with the same copy of TypeBox as the core
 * validates them with. It is a subpath of its own (not in the main entry) because TypeDoc
 * cannot render TypeBox's builder signatures; see TypeBox's documentation for them.
 *
 * ### Examples
 * ```ts
 * import { extendOptions, MutationOptionsSchema } from '@gds/database';
 * import { Type } from '@gds/database/schema';
 * export const VacuumOptionsSchema = extendOptions(MutationOptionsSchema, { full: Type.Optional(Type.Boolean()) });
 * ```
 *
 * @module
 */
export { Type } from 'typebox';
export type { Static, TSchema, TObject, TProperties } from 'typebox';
