// Throwaway real MariaDB servers (primary + GTID replicas) for tests.
export { MariadbSqlError, sqlString as mariadbString, type MariadbRow } from './client.js';
export { findMariadbBinaries, mariadbMissingReason, type MariadbBinaries } from './find-binaries.js';
export type { MariadbSetting } from './server-config.js';
export type { MariadbAccount, MariadbAccountName, MariadbNode, MariadbQueryOptions } from './cluster-node.js';
export { startMariadb, type MariadbCluster, type StartMariadbOptions } from './start-mariadb.js';
