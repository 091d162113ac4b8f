/**
 * The option schemas of the MySQL/MariaDB operations (validated on entry; the docs' option
 * tables are generated from them). Backup/restore options are M2's (mysql-backup.ts).
 *
 * @module
 */
import { CreateOptionsSchema, MutationOptionsSchema, extendOptions, type RuntimeOptions } from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

const word = (description: string) => Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_]+$', description });

/**
 * Schema of `create()` options.
 *
 * ### Examples
 * ```ts
 * await db.create({ charset: 'utf8mb4', collation: 'utf8mb4_0900_ai_ci', ifNotExists: true });
 * ```
 */
export const MySQLCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  charset: Type.Optional(word("Default character set, e.g. 'utf8mb4'. Defaults to the server's character_set_server.")),
  collation: Type.Optional(word("Default collation, e.g. 'utf8mb4_bin'. Defaults to the character set's default.")),
  ifNotExists: Type.Optional(Type.Boolean({ description: 'Succeed (changing nothing) when the database exists. Defaults to false: DatabaseAlreadyExistsError.' })),
  encryption: Type.Optional(Type.Boolean({ description: "Default encryption of its tables (DEFAULT ENCRYPTION 'Y'/'N'; MySQL 8.0.16+, refused on MariaDB). Defaults to the server's default_table_encryption." })),
});
/** Options of `create()`. */
export type MySQLCreateOptions = Static<typeof MySQLCreateOptionsSchema> & RuntimeOptions;

const tables = Type.Optional(
  Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000, description: 'Only these tables of the database. Defaults to every base table.' }),
);

/**
 * Schema of `analyze()` and `optimize()` options.
 *
 * ### Examples
 * ```ts
 * await db.analyze({ tables: ['orders'], local: true });
 * ```
 */
export const MaintenanceOptionsSchema = extendOptions(MutationOptionsSchema, {
  tables,
  local: Type.Optional(Type.Boolean({ description: 'NO_WRITE_TO_BINLOG: do not replicate the statement to replicas. Defaults to false.' })),
});
/** Options of `analyze()` and `optimize()`. */
export type MaintenanceOptions = Static<typeof MaintenanceOptionsSchema> & RuntimeOptions;

/**
 * Schema of `checkIntegrity()` options.
 *
 * ### Examples
 * ```ts
 * await db.checkIntegrity({ mode: 'extended' });
 * ```
 */
export const CheckOptionsSchema = extendOptions(MutationOptionsSchema, {
  tables,
  mode: Type.Optional(Type.Enum(['quick', 'fast', 'medium', 'extended', 'changed', 'forUpgrade'], { description: "CHECK TABLE's option (QUICK, FAST, MEDIUM, EXTENDED, CHANGED, FOR UPGRADE). Defaults to the server's (MEDIUM)." })),
});
/** Options of `checkIntegrity()`. */
export type CheckOptions = Static<typeof CheckOptionsSchema> & RuntimeOptions;

/**
 * Schema of `setReadOnly()` options.
 *
 * ### Examples
 * ```ts
 * await db.setReadOnly({ readOnly: true });
 * ```
 */
export const ReadOnlyOptionsSchema = extendOptions(MutationOptionsSchema, {
  readOnly: Type.Optional(Type.Boolean({ description: 'true: READ ONLY = 1; false: READ ONLY = 0. Defaults to true.' })),
});
/** Options of `setReadOnly()`. */
export type ReadOnlyOptions = Static<typeof ReadOnlyOptionsSchema> & RuntimeOptions;
