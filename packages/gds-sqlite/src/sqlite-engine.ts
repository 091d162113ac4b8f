/**
 * The SQLite engine: what `import '@gds/sqlite'` registers, as one definition.
 *
 * @module
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionConfig, DatabaseListing, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified, type EngineExtension } from '@gds/database/engine';
import { SQLITE_CAPABILITIES } from './sqlite-capabilities.js';
import { SQLITE_COMMANDS } from './sqlite-commands.js';
import type { SQLiteConfigInput } from './sqlite-config.js';
import { loadDriver, SQLiteConnection } from './sqlite-connection.js';
import { SQLiteDatabase } from './sqlite-database.js';
import { classifySQLiteError } from './sqlite-errors.js';
import { execute, MAGIC } from './sqlite-files.js';
import { toMetadata, type MetadataRow } from './sqlite-metadata.js';
import { CheckIntegrityOptionsSchema, CheckpointOptionsSchema, MaintenanceOptionsSchema } from './sqlite-options.js';
import { quoteIdentifier, validateDatabaseName } from './sqlite-quote.js';
import { describeStatement, readMetadata } from './sqlite-statements.js';

/** SQLite's own operations. */
const SQLITE_EXTENSIONS: readonly EngineExtension<SQLiteDatabase>[] = Object.freeze([
  { id: 'sqlite.vacuum', feature: 'maintenance.vacuum', method: 'vacuum', options: MaintenanceOptionsSchema },
  { id: 'sqlite.analyze', feature: 'maintenance.analyze', method: 'analyze', options: MaintenanceOptionsSchema },
  { id: 'sqlite.optimize', feature: 'maintenance.optimize', method: 'optimize', options: MaintenanceOptionsSchema },
  { id: 'sqlite.checkIntegrity', feature: 'maintenance.checkIntegrity', method: 'checkIntegrity', options: CheckIntegrityOptionsSchema },
  { id: 'sqlite.checkpoint', feature: 'maintenance.checkpoint', method: 'checkpoint', options: CheckpointOptionsSchema },
]);

/** A regular file that is empty (SQLite's empty database) or starts with SQLite's magic string. */
async function isDatabaseFile(file: string): Promise<boolean> {
  const stat = await fs.lstat(file).catch(() => undefined);
  if (!stat?.isFile()) return false;
  if (stat.size === 0) return true;
  const fd = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(MAGIC.length);
    await fd.read(buf, 0, buf.length, 0);
    return buf.equals(MAGIC);
  } finally {
    await fd.close();
  }
}

/** The database names in the folder: regular files with a configured extension, names gds accepts, SQLite files only (other files with the extension and hidden files are left out). */
async function databaseFiles(conn: SQLiteConnection): Promise<{ name: string; file: string }[]> {
  const seen = new Map<string, string>();
  const entries = [...(await conn.entries())].sort();
  for (const ext of conn.config.extensions) {
    for (const entry of entries) {
      if (!entry.endsWith(ext) || entry.length === ext.length || entry.startsWith('.')) continue;
      const name = entry.slice(0, -ext.length);
      if (seen.has(name)) continue;
      try {
        validateDatabaseName(name);
      } catch {
        continue;
      }
      const file = join(conn.directory, entry);
      if (await isDatabaseFile(file)) seen.set(name, file);
    }
  }
  return [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, file]) => ({ name, file }));
}

/**
 * The SQLite engine.
 *
 * ### Examples
 * ```ts
 * import { sqliteEngine } from '@gds/sqlite';
 * const conn = await sqliteEngine.connect('sqlite:///var/lib/app/');
 * ```
 */
export const sqliteEngine = defineEngine<SQLiteConnection, SQLiteDatabase>({
  type: 'sqlite',
  packageName: '@gds/sqlite',
  displayName: 'SQLite',
  cliName: 'sqlite',
  schemes: ['sqlite'],
  capabilities: SQLITE_CAPABILITIES,
  connectionClass: SQLiteConnection,
  databaseClass: SQLiteDatabase,
  extensions: SQLITE_EXTENSIONS,
  commands: SQLITE_COMMANDS,
  classifyError: classifySQLiteError,
  describeStatement,
  names: { validateDatabaseName: (name) => validateDatabaseName(name), quote: quoteIdentifier },

  connect(target: string | ConnectionConfig): Promise<SQLiteConnection> {
    return openVerified(new SQLiteConnection(typeof target === 'string' ? target : (target as SQLiteConfigInput)), (c) => c.verify());
  },

  async listDatabases(conn: SQLiteConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const files = await databaseFiles(conn);
    if (!options.withMetadata) return files.map(({ name }) => ({ name }));
    const listing: DatabaseListing[] = [];
    for (const { name, file } of files) {
      options.signal?.throwIfAborted();
      const row = await conn.use(file, {}, (h) => execute(h, readMetadata(file))[0] as MetadataRow);
      listing.push({ name, metadata: await toMetadata(name, file, row) });
    }
    return listing;
  },

  async getServerMetadata(conn: SQLiteConnection): Promise<ServerMetadata> {
    const driver = await loadDriver();
    const memory = new driver(':memory:');
    try {
      const version = String((memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v);
      const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
      return {
        type: 'sqlite',
        version,
        versionNumber: major * 1_000_000 + minor * 1_000 + patch,
        endpoint: conn.endpoint,
        isReplica: false,
        additionalAttributes: { directory: conn.directory, extensions: [...conn.config.extensions], driver: 'better-sqlite3', busyTimeoutMs: conn.config.busyTimeoutMs },
      };
    } finally {
      memory.close();
    }
  },
});
