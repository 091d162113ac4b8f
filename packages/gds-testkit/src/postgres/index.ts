// Throwaway real PostgreSQL servers for tests.
export { findPostgresBinaries, postgresMissingReason, type PostgresBinaries } from './find-binaries.js';
export {
  startPostgres,
  type PostgresCluster,
  type PostgresNode,
  type StartPostgresOptions,
} from './start-postgres.js';
export { addPasswordRole, type PasswordRole } from './password-role.js';
