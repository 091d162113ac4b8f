/**
 * Loads TypeBox on first use, synchronously (validation and schema building are synchronous):
 * the published bundle keeps it in an entry point of its own (`@gds/database/typebox`), reached
 * through `require` (Node >= 20.19 loads ES modules with it). Valid options never load it
 * ({@link quickCheck} accepts them first), nor do gds's own schemas ({@link typeBuilders}).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as TypeBoxModule from './typebox.js';
import { quickCheck } from './quick-check.js';

let loaded: typeof TypeBoxModule | undefined;

/**
 * TypeBox's validator and builders (see `typebox.ts`), loaded on the first call.
 *
 * ### Examples
 * ```ts
 * const errors = [...typeBox().Errors(ReadOptionsSchema, { timeoutMs: 0 })];
 * ```
 */
export function typeBox(): typeof TypeBoxModule {
  // Under jest the sources run as CommonJS and `require` is jest's (which maps the subpath to
  // src/typebox.ts); the ESM bundle defines `require` in its banner; createRequire otherwise.
  const load = typeof require === 'function' ? require : createRequire(import.meta.url);
  return (loaded ??= load('@gds/database/typebox') as typeof TypeBoxModule);
}

/**
 * Whether `value` matches `schema`: {@link quickCheck} first, TypeBox's `Check` when unsure.
 *
 * ### Examples
 * ```ts
 * checkValue(SyncModeSchema, 'synchronous'); // true, without loading TypeBox's validator
 * ```
 */
export function checkValue(schema: unknown, value: unknown): boolean {
  return quickCheck(schema, value) || typeBox().Check(schema as Parameters<typeof TypeBoxModule.Check>[0], value);
}
