/**
 * The option schemas of the PostgreSQL operations (validated on entry; the docs' option tables
 * are generated from them).
 *
 * @module
 */
import {
  BackupOptionsSchema,
  CreateOptionsSchema,
  MutationOptionsSchema,
  ReadOptionsSchema,
  RestoreOptionsSchema,
  extendOptions,
  type ProgressEvent,
  type RuntimeOptions,
} from '@gds/database';
import { Type, type Static } from '@gds/database/schema';

const identifier = (description: string) => Type.String({ minLength: 1, maxLength: 63, description });
const word = (description: string) => Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.@ -]+$', description });

/**
 * Schema of `create()` options.
 *
 * ### Examples
 * ```ts
 * await db.create({ owner: 'app', encoding: 'UTF8', template: 'template0', connectionLimit: 50 });
 * ```
 */
export const PostgreSQLCreateOptionsSchema = extendOptions(CreateOptionsSchema, {
  owner: Type.Optional(identifier('Role that owns the new database. Defaults to the connecting role.')),
  encoding: Type.Optional(word("Character encoding, e.g. 'UTF8'. Defaults to the template's.")),
  locale: Type.Optional(word('Sets both lcCollate and lcCtype.')),
  lcCollate: Type.Optional(word("Collation order (LC_COLLATE), e.g. 'C.UTF-8'.")),
  lcCtype: Type.Optional(word('Character classification (LC_CTYPE).')),
  localeProvider: Type.Optional(Type.Enum(['libc', 'icu', 'builtin'], { description: 'Locale provider (15+; builtin 17+).' })),
  icuLocale: Type.Optional(word("ICU locale when localeProvider is 'icu', e.g. 'en-US'.")),
  tablespace: Type.Optional(identifier("Default tablespace. Defaults to the template's.")),
  template: Type.Optional(identifier("Template to copy. Defaults to 'template1'; use 'template0' with another encoding or locale.")),
  connectionLimit: Type.Optional(Type.Integer({ minimum: -1, maximum: 2147483647, description: 'Maximum concurrent connections, -1 for no limit. Defaults to -1.' })),
  isTemplate: Type.Optional(Type.Boolean({ description: 'Mark it as a template others can be copied from. Defaults to false.' })),
  allowConnections: Type.Optional(Type.Boolean({ description: 'Whether it accepts connections. Defaults to true.' })),
  strategy: Type.Optional(Type.Enum(['wal_log', 'file_copy'], { description: 'How the template is copied (15+). Defaults to wal_log.' })),
});
/** Options of `create()`. */
export type PostgreSQLCreateOptions = Static<typeof PostgreSQLCreateOptionsSchema> & RuntimeOptions;

const toolOptions = {
  binDir: Type.Optional(Type.String({ minLength: 1, description: "Folder of pg_dump/pg_restore/psql. Defaults to the connection's binDir, the server version's folder, then PATH." })),
};

/**
 * Schema of `backup()` options (pg_dump).
 *
 * ### Examples
 * ```ts
 * await db.backup('/backups/app.dump', { format: 'custom', compress: 6, excludeSchemas: ['audit'] });
 * ```
 */
export const PostgreSQLBackupOptionsSchema = extendOptions(BackupOptionsSchema, {
  format: Type.Optional(Type.Enum(['custom', 'directory', 'tar', 'plain'], { description: "pg_dump format. Defaults to 'custom'." })),
  compress: Type.Optional(Type.Integer({ minimum: 0, maximum: 9, description: 'Compression level 0-9 (custom and directory formats). Defaults to pg_dump\'s.' })),
  schemas: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Dump only these schemas (pg_dump --schema, patterns allowed).' })),
  excludeSchemas: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Leave these schemas out (--exclude-schema).' })),
  tables: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Dump only these tables (--table, patterns allowed).' })),
  jobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: "Parallel jobs; directory format only. Defaults to 1." })),
  noOwner: Type.Optional(Type.Boolean({ description: 'Do not record object owners (--no-owner). Defaults to false.' })),
  schemaOnly: Type.Optional(Type.Boolean({ description: 'Definitions only, no data. Defaults to false.' })),
  dataOnly: Type.Optional(Type.Boolean({ description: 'Data only, no definitions. Defaults to false.' })),
  overwrite: Type.Optional(Type.Boolean({ description: 'Replace an existing regular file, or a pg_dump directory-format backup, at the target (by rename once pg_dump succeeded); links, devices and other folders are refused. Defaults to false: the backup is refused.' })),
  ...toolOptions,
});
/** Options of `backup()`. */
export type PostgreSQLBackupOptions = Static<typeof PostgreSQLBackupOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `restore()` options (pg_restore, or psql for plain dumps).
 *
 * ### Examples
 * ```ts
 * await db.restore('/backups/app.dump', { replace: true, jobs: 4, noOwner: true });
 * ```
 */
export const PostgreSQLRestoreOptionsSchema = extendOptions(RestoreOptionsSchema, {
  create: Type.Optional(Type.Boolean({ description: 'Create the database when it does not exist. Defaults to true.' })),
  clean: Type.Optional(Type.Boolean({ description: 'Drop each object before recreating it (--clean --if-exists), instead of dropping the database. Defaults to false.' })),
  jobs: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'Parallel jobs (custom and directory formats). Defaults to 1.' })),
  noOwner: Type.Optional(Type.Boolean({ description: 'Do not restore object owners (--no-owner). Defaults to false.' })),
  singleTransaction: Type.Optional(Type.Boolean({ description: 'All or nothing (--single-transaction); not with jobs. Defaults to false.' })),
  force: Type.Optional(Type.Boolean({ description: 'With replace: end the other sessions of the database being replaced, right before the swap. Defaults to false: such a restore is refused (DatabaseInUseError).' })),
  ...toolOptions,
});
/** Options of `restore()`. */
export type PostgreSQLRestoreOptions = Static<typeof PostgreSQLRestoreOptionsSchema> & RuntimeOptions & { onProgress?: (event: ProgressEvent) => void };

/**
 * Schema of `verifyBackup()` options.
 *
 * ### Examples
 * ```ts
 * await db.verifyBackup('/backups/app.dump', { binDir: '/usr/lib/postgresql/16/bin' });
 * ```
 */
export const PostgreSQLVerifyOptionsSchema = extendOptions(ReadOptionsSchema, toolOptions);

/**
 * Schema of `vacuum()` options.
 *
 * ### Examples
 * ```ts
 * await db.vacuum({ analyze: true, tables: [{ schema: 'public', name: 'orders' }] });
 * ```
 */
export const VacuumOptionsSchema = extendOptions(MutationOptionsSchema, {
  full: Type.Optional(Type.Boolean({ description: 'Rewrite tables to return space to the OS (takes exclusive locks). Defaults to false.' })),
  analyze: Type.Optional(Type.Boolean({ description: 'Update planner statistics too. Defaults to true.' })),
  freeze: Type.Optional(Type.Boolean({ description: 'Freeze tuples aggressively. Defaults to false.' })),
  verbose: Type.Optional(Type.Boolean({ description: "Report per-table details as messages. Defaults to false." })),
  tables: Type.Optional(
    Type.Array(Type.Union([Type.String({ minLength: 1 }), Type.Object({ schema: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) }, { additionalProperties: false })]), {
      description: 'Tables to vacuum: names (in the search path) or { schema, name }. Defaults to every table.',
    }),
  ),
});
/** Options of `vacuum()`. */
export type VacuumOptions = Static<typeof VacuumOptionsSchema> & RuntimeOptions;
