/**
 * `@gds/testkit/postgres`: throwaway real PostgreSQL clusters (a primary, streaming standbys)
 * made with the machine's server binaries, and nothing else of the testkit: no simulator, no
 * container runtime, only Node built-ins, so that `gds demo` can carry it inside the CLI.
 *
 * ### Examples
 * ```ts
 * import { startPostgres } from '@gds/testkit/postgres';
 * await using pg = await startPostgres({ standby: true });
 * ```
 *
 * @module
 */
export * from './postgres/index.js';
