/**
 * The PostgreSQL engine: what `import '@gds/postgres'` registers, as one definition.
 *
 * @module
 */
import type { ConnectionConfig, DatabaseListing, ListDatabasesOptions, ServerMetadata } from '@gds/database';
import { defineEngine, openVerified, type EngineExtension } from '@gds/database/engine';
import { POSTGRES_CAPABILITIES } from './postgres-capabilities.js';
import { POSTGRES_COMMANDS } from './postgres-commands.js';
import type { PostgreSQLConfigInput } from './postgres-config.js';
import { PostgreSQLConnection } from './postgres-connection.js';
import { PostgreSQLDatabase } from './postgres-database.js';
import { classifyPostgresError } from './postgres-errors.js';
import { PostgreSQLReplicationManager } from './postgres-ha.js';
import { METADATA_SQL, rowToMetadata, type MetadataRow } from './postgres-metadata.js';
import { VacuumOptionsSchema } from './postgres-options.js';
import { quoteIdentifier, validateIdentifierLength } from './postgres-quote.js';
import { describeStatement } from './postgres-statements.js';

/** The names of the databases (`$1` true: templates too). */
const LIST_SQL = 'select datname as name from pg_catalog.pg_database where $1::boolean or not datistemplate order by datname';

/** Server-level facts. */
const SERVER_SQL = `select current_setting('server_version') as version, current_setting('server_version_num') as num,
  pg_catalog.pg_is_in_recovery() as recovery, pg_catalog.version() as full, pg_catalog.pg_postmaster_start_time() as started,
  current_setting('max_connections') as size`;

/** PostgreSQL's own operation: VACUUM. */
const POSTGRES_EXTENSIONS: readonly EngineExtension<PostgreSQLDatabase>[] = Object.freeze([{ id: 'postgresql.vacuum', feature: 'maintenance.vacuum', method: 'vacuum', options: VacuumOptionsSchema }]);

/**
 * The PostgreSQL engine.
 *
 * ### Examples
 * ```ts
 * import { postgresEngine } from '@gds/postgres';
 * const conn = await postgresEngine.connect('postgres://postgres@127.0.0.1/postgres');
 * ```
 */
export const postgresEngine = defineEngine<PostgreSQLConnection, PostgreSQLDatabase>({
  type: 'postgresql',
  packageName: '@gds/postgres',
  displayName: 'PostgreSQL',
  cliName: 'postgres',
  schemes: ['postgres', 'postgresql'],
  capabilities: POSTGRES_CAPABILITIES,
  connectionClass: PostgreSQLConnection,
  databaseClass: PostgreSQLDatabase,
  haManagerClass: PostgreSQLReplicationManager,
  extensions: POSTGRES_EXTENSIONS,
  commands: POSTGRES_COMMANDS,
  classifyError: classifyPostgresError,
  describeStatement,
  // names over 63 bytes: PostgreSQL would silently truncate them and act on another database
  names: { validateDatabaseName: (name) => validateIdentifierLength(name), quote: quoteIdentifier },

  connect(target: string | ConnectionConfig): Promise<PostgreSQLConnection> {
    return openVerified(new PostgreSQLConnection(typeof target === 'string' ? target : (target as PostgreSQLConfigInput)), (c) => c.serverVersion());
  },

  async listDatabases(pg: PostgreSQLConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    if (options.withMetadata) {
      const rows = await pg.query<MetadataRow>(METADATA_SQL, [null, options.includeSystem ?? false], { signal: options.signal });
      return rows.map((r) => {
        const metadata = rowToMetadata(r);
        return { name: metadata.name, metadata };
      });
    }
    const rows = await pg.query<{ name: string }>(LIST_SQL, [options.includeSystem ?? false], { signal: options.signal });
    return rows.map((r) => ({ name: r.name }));
  },

  async getServerMetadata(pg: PostgreSQLConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const rows = await pg.query<{ version: string; num: string; recovery: boolean; full: string; started: Date; size: string | null }>(SERVER_SQL, [], { signal: options?.signal });
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
});
