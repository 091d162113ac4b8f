/**
 * `@gds/mongodb`: the MongoDB engine of gds. Importing it registers the engine for the
 * `mongodb://` and `mongodb+srv://` schemes:
 *
 * ```ts
 * import '@gds/mongodb';
 * import { DatabaseManager } from '@gds/database';
 * const manager = await DatabaseManager.connect('mongodb://127.0.0.1:27017/?replicaSet=rs0');
 * ```
 *
 * @packageDocumentation
 */
import { registerProvider } from '@gds/database';
import { mongodbEngine } from './mongodb-engine.js';

registerProvider(mongodbEngine);

export { mongodbEngine } from './mongodb-engine.js';
/**
 * The MongoDB engine under its earlier name.
 *
 * @deprecated use {@link mongodbEngine}
 */
export const mongodbProvider = mongodbEngine;
export { MongoDBConnection, type CommandOptions, type DeploymentInfo } from './mongodb-connection.js';
export { MongoDBConfigSchema, type MongoDBConfig, type MongoDBConfigInput } from './mongodb-config.js';
export { MongoDBDatabase, type CollectionSummary, type MongoDBDatabaseTypes, type ProfilingStatus } from './mongodb-database.js';
export { MongoDBReplicaSetManager } from './mongodb-ha.js';
export type { MongoDBDatabaseMetadata } from './mongodb-metadata.js';
export * from './mongodb-options.js';
export { quoteName, FORBIDDEN_DATABASE_CHARACTERS, MAX_DATABASE_NAME_BYTES } from './mongodb-quote.js';
export type { BackupManifest, ManifestCollection } from './mongodb-dump-layout.js';
