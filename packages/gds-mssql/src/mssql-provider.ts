/**
 * The SQL Server provider: what `import '@gds/mssql'` registers.
 *
 * @module
 */
import { supportsIn, type ConnectionConfig, type DatabaseConnection, type DatabaseListing, type DatabaseProvider, type Feature, type ListDatabasesOptions, type ServerMetadata, expectConnection, openVerified } from '@gds/database';
import { MSSQL_CAPABILITIES } from './mssql-capabilities.js';
import type { MSSQLConfigInput } from './mssql-config.js';
import { MSSQLConnection } from './mssql-connection.js';
import { MSSQLDatabase } from './mssql-database.js';
import { mapMssqlError } from './mssql-errors.js';
import { readMetadataRows, rowToMetadata, type MSSQLDatabaseMetadata } from './mssql-metadata.js';

function asMssql(connection: DatabaseConnection): MSSQLConnection {
  return expectConnection(connection, MSSQLConnection, 'SQL Server');
}

/**
 * The provider object.
 *
 * ### Examples
 * ```ts
 * import { mssqlProvider } from '@gds/mssql';
 * const conn = await mssqlProvider.connect('mssql://sa:pw@127.0.0.1/master?trustServerCertificate=true');
 * ```
 */
export const mssqlProvider: DatabaseProvider = Object.freeze({
  type: 'mssql' as const,
  packageName: '@gds/mssql',
  schemes: Object.freeze(['mssql', 'sqlserver']),
  capabilities: MSSQL_CAPABILITIES,

  async connect(target: string | ConnectionConfig): Promise<MSSQLConnection> {
    return openVerified(new MSSQLConnection(typeof target === 'string' ? target : (target as MSSQLConfigInput)), (c) => c.serverVersion());
  },

  createDatabase(connection: DatabaseConnection, name: string, metadata?: MSSQLDatabaseMetadata): MSSQLDatabase {
    return new MSSQLDatabase(name, asMssql(connection), metadata);
  },

  async listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const conn = asMssql(connection);
    const all = options.includeSystem ?? false;
    if (options.withMetadata) {
      const { rows, files, backups } = await readMetadataRows(conn, undefined, all, options.signal);
      return rows.map((r) => ({ name: r.name, metadata: rowToMetadata(r, files, backups) }));
    }
    const rows = await conn.query<{ name: string }>('SELECT name FROM sys.databases WHERE @all = 1 OR database_id > 4 ORDER BY name', { all }, { signal: options.signal });
    return rows.map((r) => ({ name: r.name }));
  },

  supportsFeature(feature: Feature) {
    return supportsIn(MSSQL_CAPABILITIES, feature);
  },

  async getServerMetadata(connection: DatabaseConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const conn = asMssql(connection);
    const rows = await conn.query<Record<string, unknown>>(
      `SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS version, CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS edition,
        CAST(SERVERPROPERTY('ServerName') AS nvarchar(256)) AS server_name, CAST(SERVERPROPERTY('IsHadrEnabled') AS int) AS hadr,
        CAST(SERVERPROPERTY('Collation') AS nvarchar(128)) AS collation, CAST(SERVERPROPERTY('EngineEdition') AS int) AS engine_edition, @@VERSION AS full_version`,
      {},
      { signal: options?.signal },
    );
    const r = rows[0] ?? {};
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
  },

  mapError: mapMssqlError,
});
