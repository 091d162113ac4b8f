/**
 * The PostgreSQL provider: what `import '@gds/postgres'` registers.
 *
 * @module
 */
import { supportsIn, type Feature, type ConnectionConfig, type DatabaseConnection, type DatabaseListing, type DatabaseProvider, type ListDatabasesOptions, type ServerMetadata, expectConnection, openVerified } from '@gds/database';
import { POSTGRES_CAPABILITIES } from './postgres-capabilities.js';
import { PostgreSQLConnection } from './postgres-connection.js';
import { PostgreSQLDatabase } from './postgres-database.js';
import { mapPostgresError } from './postgres-errors.js';
import { METADATA_SQL, rowToMetadata, type MetadataRow, type PostgreSQLDatabaseMetadata } from './postgres-metadata.js';
import type { PostgreSQLConfigInput } from './postgres-config.js';

function asPostgres(connection: DatabaseConnection): PostgreSQLConnection {
  return expectConnection(connection, PostgreSQLConnection, 'PostgreSQL');
}

/**
 * The provider object.
 *
 * ### Examples
 * ```ts
 * import { postgresProvider } from '@gds/postgres';
 * const conn = await postgresProvider.connect('postgres://postgres@127.0.0.1/postgres');
 * ```
 */
export const postgresProvider: DatabaseProvider = Object.freeze({
  type: 'postgresql' as const,
  packageName: '@gds/postgres',
  schemes: Object.freeze(['postgres', 'postgresql']),
  capabilities: POSTGRES_CAPABILITIES,

  async connect(target: string | ConnectionConfig): Promise<PostgreSQLConnection> {
    return openVerified(new PostgreSQLConnection(typeof target === 'string' ? target : (target as PostgreSQLConfigInput)), (c) => c.serverVersion());
  },

  createDatabase(connection: DatabaseConnection, name: string, metadata?: PostgreSQLDatabaseMetadata | undefined): PostgreSQLDatabase {
    return new PostgreSQLDatabase(name, asPostgres(connection), metadata);
  },

  async listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const pg = asPostgres(connection);
    if (options.withMetadata) {
      const rows = await pg.query<MetadataRow>(METADATA_SQL, [null, options.includeSystem ?? false], { signal: options.signal });
      return rows.map((r) => {
        const metadata = rowToMetadata(r);
        return { name: metadata.name, metadata };
      });
    }
    const rows = await pg.query<{ name: string }>('select datname as name from pg_catalog.pg_database where $1::boolean or not datistemplate order by datname', [options.includeSystem ?? false], {
      signal: options.signal,
    });
    return rows.map((r) => ({ name: r.name }));
  },

  supportsFeature(feature: Feature) {
    return supportsIn(POSTGRES_CAPABILITIES, feature);
  },

  async getServerMetadata(connection: DatabaseConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const pg = asPostgres(connection);
    const rows = await pg.query<{ version: string; num: string; recovery: boolean; full: string; started: Date; size: string | null }>(
      `select current_setting('server_version') as version, current_setting('server_version_num') as num,
        pg_catalog.pg_is_in_recovery() as recovery, pg_catalog.version() as full, pg_catalog.pg_postmaster_start_time() as started,
        current_setting('max_connections') as size`,
      [],
      { signal: options?.signal },
    );
    const r = rows[0];
    return {
      type: 'postgresql',
      version: r?.version ?? '',
      versionNumber: Number(r?.num ?? 0),
      endpoint: pg.endpoint,
      isReplica: r?.recovery === true,
      additionalAttributes: { versionString: r?.full, startedAt: r?.started, maxConnections: Number(r?.size ?? 0) },
    };
  },

  mapError: mapPostgresError,
});
