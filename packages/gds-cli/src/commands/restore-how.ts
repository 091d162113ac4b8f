/**
 * What a restore really does to the database it replaces, per engine, for the confirmation and
 * the refusal without a terminal: the words must match what the engine does (PostgreSQL restores
 * aside and swaps; SQL Server verifies, then overwrites in place).
 *
 * @module
 */

/** How each engine restores over an existing database (`replace`). */
const REPLACE_HOW: Readonly<Record<string, string>> = Object.freeze({
  postgresql:
    'PostgreSQL: restored into a side database first and swapped in by renaming only when complete; the existing database stays as it is until then and is dropped last',
  mssql:
    'SQL Server: every backup set is read and verified first, then RESTORE ... WITH REPLACE overwrites the database in place (a failure or cancel during it leaves the database RESTORING)',
  snowflake: 'Snowflake: cloned into a temporary database, swapped in atomically (ALTER DATABASE ... SWAP WITH), the previous content dropped last (UNDROP-able)',
});

/** How each engine restores into a name that does not exist yet. */
const NEW_NAME_HOW: Readonly<Record<string, string>> = Object.freeze({
  postgresql: 'PostgreSQL: restored into a side database and renamed when complete; the name never exists half-restored',
  mssql: 'SQL Server: RESTORE creates the database; a failed or cancelled restore drops what it created, or names it',
});

/**
 * The sentence saying how `engine` carries out a restore, `replacing` an existing database or
 * into a new name; `undefined` where the CLI has nothing engine-specific to say.
 *
 * ### Examples
 * ```ts
 * restoreHow('postgresql', true); // 'PostgreSQL: restored into a side database first and swapped in ...'
 * restoreHow('mongodb', true); // undefined
 * ```
 */
export function restoreHow(engine: string, replacing: boolean): string | undefined {
  return (replacing ? REPLACE_HOW : NEW_NAME_HOW)[engine];
}
