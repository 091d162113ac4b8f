/**
 * The MongoDB provider: what `import '@gds/mongodb'` registers.
 *
 * @module
 */
import { supportsIn, type ConnectionConfig, type DatabaseConnection, type DatabaseListing, type DatabaseProvider, type Feature, type ListDatabasesOptions, type ServerMetadata, expectConnection, openVerified } from '@gds/database';
import type { Document } from 'mongodb';
import { MONGODB_CAPABILITIES } from './mongodb-capabilities.js';
import type { MongoDBConfigInput } from './mongodb-config.js';
import { MongoDBConnection } from './mongodb-connection.js';
import { MongoDBDatabase } from './mongodb-database.js';
import { mapMongoError } from './mongodb-errors.js';
import { SYSTEM_DATABASES, toMetadata, type MongoDBDatabaseMetadata } from './mongodb-metadata.js';
import { listDatabases } from './mongodb-statements.js';

function asMongo(connection: DatabaseConnection): MongoDBConnection {
  return expectConnection(connection, MongoDBConnection, 'MongoDB');
}

/**
 * The provider object.
 *
 * ### Examples
 * ```ts
 * import { mongodbProvider } from '@gds/mongodb';
 * const conn = await mongodbProvider.connect('mongodb://127.0.0.1:27017');
 * ```
 */
export const mongodbProvider: DatabaseProvider = Object.freeze({
  type: 'mongodb' as const,
  packageName: '@gds/mongodb',
  schemes: Object.freeze(['mongodb', 'mongodb+srv']),
  capabilities: MONGODB_CAPABILITIES,

  async connect(target: string | ConnectionConfig): Promise<MongoDBConnection> {
    return openVerified(new MongoDBConnection(typeof target === 'string' ? target : (target as MongoDBConfigInput)), (c) => c.command('admin', { ping: 1 }));
  },

  createDatabase(connection: DatabaseConnection, name: string, metadata?: MongoDBDatabaseMetadata): MongoDBDatabase {
    return new MongoDBDatabase(name, asMongo(connection), metadata);
  },

  /**
   * One `listDatabases` whatever the number of databases. With `withMetadata` the cached
   * metadata holds what that reply has (name, sizeOnDisk, empty); the dbStats counters need one
   * round trip per database, which `db.getMetadata()` makes when asked.
   */
  async listDatabases(connection: DatabaseConnection, options: ListDatabasesOptions): Promise<DatabaseListing[]> {
    const mongo = asMongo(connection);
    const reply = await mongo.command('admin', listDatabases(undefined, !options.withMetadata).doc, { signal: options.signal });
    const rows = ((reply.databases as Document[] | undefined) ?? []).filter((d) => options.includeSystem || !SYSTEM_DATABASES.includes(String(d.name)));
    rows.sort((a, b) => (String(a.name) < String(b.name) ? -1 : 1));
    return rows.map((d) => (options.withMetadata ? { name: String(d.name), metadata: toMetadata(d) } : { name: String(d.name) }));
  },

  supportsFeature(feature: Feature) {
    return supportsIn(MONGODB_CAPABILITIES, feature);
  },

  async getServerMetadata(connection: DatabaseConnection, options?: { signal?: AbortSignal }): Promise<ServerMetadata> {
    const mongo = asMongo(connection);
    const build = await mongo.command('admin', { buildInfo: 1 }, { signal: options?.signal });
    const deployment = await mongo.deployment(options?.signal);
    const hello = await mongo.command('admin', { hello: 1 }, { signal: options?.signal });
    const version = String(build.version ?? '');
    const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
    return {
      type: 'mongodb',
      version,
      versionNumber: major * 10000 + minor * 100 + patch,
      endpoint: mongo.endpoint,
      isReplica: deployment.kind === 'replicaSet' ? hello.isWritablePrimary !== true : false,
      additionalAttributes: { deployment: deployment.kind, setName: deployment.setName, me: deployment.me, maxWireVersion: deployment.maxWireVersion, gitVersion: build.gitVersion },
    };
  },

  mapError: mapMongoError,
});
