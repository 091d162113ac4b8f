/**
 * The SQL Server engine: its definition (what `import '@gds/mssql'` registers). Everything the
 * core, the CLI and the docs need about SQL Server is read from here.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseListing, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified } from '@gds/database/engine';
import { MSSQL_CAPABILITIES } from './mssql-capabilities.js';
import { MSSQL_COMMANDS } from './mssql-commands.js';
import type { MSSQLConfigInput } from './mssql-config.js';
import { MSSQLConnection } from './mssql-connection.js';
import { MSSQLDatabase } from './mssql-database.js';
import { classifyMssqlError } from './mssql-errors.js';
import { MSSQLAvailabilityGroupManager } from './mssql-ha.js';
import { readMetadataRows, rowToMetadata } from './mssql-metadata.js';
import { CheckIntegrityOptionsSchema, ShrinkOptionsSchema } from './mssql-options.js';
import { quoteIdentifier, validateIdentifier } from './mssql-quote.js';
import { describeMssqlStatement, tsql } from './mssql-statements.js';

const SERVER_METADATA_SQL = `SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
        CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name, CAST(SERVERPROPERTY('IsHadrEnabled') AS int) AS hadr,
        CAST(SERVERPROPERTY('Collation') AS nvarchar(128)) AS collation, CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition, @@VERSION AS full_version`;

async function listDatabases(conn: MSSQLConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
  const all = options.includeSystem ?? false;
  if (options.withMetadata) {
    const { rows, files, backups } = await readMetadataRows(conn, undefined, all, options.signal);
    return rows.map((r) => ({ name: r.name, metadata: rowToMetadata(r, files, backups) }));
  }
  const rows = await conn.run<{ name: string }>(tsql('SELECT name FROM sys.databases WHERE @all = 1 OR database_id > 4 ORDER BY name', { all }), { signal: options.signal });
  return rows.map((r) => ({ name: r.name }));
}

async function getServerMetadata(conn: MSSQLConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
  const r = (await conn.query<Record<string, unknown>>(SERVER_METADATA_SQL, {}, { signal: options?.signal }))[0] ?? {};
  const version = String(r.version ?? '');
  const [major = 0, minor = 0, build = 0] = version.split('.').map(Number);
  return {
    type: 'mssql',
    version,
    versionNumber: major * 1_000_000 + minor * 10_000 + build,
    endpoint: conn.endpoint,
    additionalAttributes: {
      edition: r.edition,
      serverName: r.server_name,
      hadrEnabled: r.hadr === 1,
      collation: r.collation,
      engineEdition: r.engine_edition,
      versionString: r.full_version,
    },
  };
}

/**
 * The SQL Server engine.
 *
 * ### Examples
 * ```ts
 * import { mssqlEngine } from '@gds/mssql';
 * const conn = await mssqlEngine.connect('mssql://sa:pw@127.0.0.1/master?trustServerCertificate=true');
 * ```
 */
export const mssqlEngine = defineEngine<MSSQLConnection, MSSQLDatabase>({
  type: 'mssql',
  packageName: '@gds/mssql',
  displayName: 'SQL Server',
  cliName: 'mssql',
  schemes: ['mssql', 'sqlserver'],
  capabilities: MSSQL_CAPABILITIES,
  connectionClass: MSSQLConnection,
  databaseClass: MSSQLDatabase,
  haManagerClass: MSSQLAvailabilityGroupManager,
  connect: (target: string | ConnectionConfig) => openVerified(new MSSQLConnection(typeof target === 'string' ? target : (target as MSSQLConfigInput)), (c) => c.serverVersion()),
  listDatabases,
  getServerMetadata,
  classifyError: classifyMssqlError,
  describeStatement: describeMssqlStatement,
  names: { validateDatabaseName: (name) => validateIdentifier(name), quote: quoteIdentifier },
  extensions: [
    { id: 'mssql.shrink', feature: 'maintenance.shrink', method: 'shrink', options: ShrinkOptionsSchema },
    { id: 'mssql.checkIntegrity', feature: 'maintenance.checkIntegrity', method: 'checkIntegrity', options: CheckIntegrityOptionsSchema },
    { id: 'mssql.recoveryModel', feature: 'recoveryModel', method: 'setRecoveryModel' },
  ],
  commands: MSSQL_COMMANDS,
});
