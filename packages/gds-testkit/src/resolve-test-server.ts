/**
 * Finds a real server for an engine's integration tests, in this order:
 * 1. a `GDS_TEST_<ENGINE>_URL` variable (`GDS_TEST_POSTGRESQL_URL` or `GDS_TEST_POSTGRES_URL`,
 *    `GDS_TEST_MSSQL_URL`, `GDS_TEST_MONGODB_URL`, `GDS_TEST_SNOWFLAKE_URL`);
 *    `GDS_TEST_MYSQL_URL` (Oracle MySQL) and `GDS_TEST_MARIADB_URL` (MariaDB) are two engines: a
 *    MySQL-family suite resolves both and runs once per flavour it gets;
 * 2. a container started with testcontainers, when a Docker engine answers;
 * 3. for PostgreSQL, a throwaway cluster from the local server binaries;
 *    for MariaDB, a throwaway server from the local MariaDB binaries (there is no local MySQL);
 * 4. otherwise a skip, with one line saying why.
 *
 * Snowflake has no container image: it runs only with its URL variable. testcontainers is loaded
 * only when a Docker engine seems to be there, so a machine without Docker pays nothing for it.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { findPostgresBinaries, postgresMissingReason, startPostgres } from './postgres/index.js';
import { findMariadbBinaries, mariadbMissingReason, startMariadb } from './mariadb/index.js';

/**
 * An engine with a real-server suite: its type (`DatabaseType`). The named ones have a container
 * image or local binaries here; any other engine (a new engine package) resolves through its
 * `GDS_TEST_<TYPE>_URL` variable alone, with no edit to the testkit.
 */
export type TestEngine = 'postgresql' | 'mssql' | 'mongodb' | 'snowflake' | 'mysql' | 'mariadb' | (string & {});

/**
 * A server to test against, or the reason there is none.
 *
 * ### Examples
 * ```ts
 * const server = await resolveTestServer('mssql');
 * if (server.kind === 'skip') console.log(`skipped: ${server.reason}`);
 * else try { await run(server.url); } finally { await server.stop(); }
 * ```
 */
export type ResolvedTestServer =
  | { kind: 'url' | 'container' | 'local'; url: string; description: string; stop(): Promise<void> }
  | { kind: 'skip'; reason: string };

/** What {@link resolveTestServer} may be told. */
export interface ResolveOptions {
  /** Environment to read (defaults to `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Whether to try Docker (defaults to true). */
  docker?: boolean;
  /** Whether PostgreSQL may fall back to local binaries (defaults to true). */
  local?: boolean;
}

const IMAGES: Readonly<Record<string, { image: string; port: number; env: Record<string, string>; url: (host: string, port: number) => string; log: RegExp }>> = {
  postgresql: {
    image: 'postgres:16-alpine',
    port: 5432,
    env: { POSTGRES_PASSWORD: 'gds-test-Pw1', POSTGRES_HOST_AUTH_METHOD: 'scram-sha-256' },
    url: (h, p) => `postgres://postgres:gds-test-Pw1@${h}:${p}/postgres`,
    log: /database system is ready to accept connections/,
  },
  mssql: {
    image: 'mcr.microsoft.com/mssql/server:2022-latest',
    port: 1433,
    env: { ACCEPT_EULA: 'Y', MSSQL_SA_PASSWORD: 'gds-Test-Pw1!' },
    url: (h, p) => `mssql://sa:gds-Test-Pw1!@${h}:${p}/master?encrypt=true&trustServerCertificate=true`,
    log: /SQL Server is now ready for client connections/,
  },
  mongodb: {
    image: 'mongo:7',
    port: 27017,
    env: {},
    url: (h, p) => `mongodb://${h}:${p}/?directConnection=true`,
    log: /Waiting for connections/,
  },
  // Both images run a temporary server (port 0) while initialising; only the final one listens on 3306.
  mysql: {
    image: 'mysql:8.4',
    port: 3306,
    env: { MYSQL_ROOT_PASSWORD: 'gds-test-Pw1' },
    url: (h, p) => `mysql://root:gds-test-Pw1@${h}:${p}/`,
    log: /socket: '[^']*'\s+port: 3306\s/,
  },
  mariadb: {
    image: 'mariadb:10.11',
    port: 3306,
    env: { MARIADB_ROOT_PASSWORD: 'gds-test-Pw1' },
    url: (h, p) => `mariadb://root:gds-test-Pw1@${h}:${p}/`,
    log: /socket: '[^']*'\s+port: 3306\s/,
  },
};

/**
 * The environment variable names read for `engine`, first match wins.
 *
 * ### Examples
 * ```ts
 * testServerEnvNames('postgresql'); // ['GDS_TEST_POSTGRESQL_URL', 'GDS_TEST_POSTGRES_URL']
 * ```
 */
export function testServerEnvNames(engine: TestEngine): string[] {
  return engine === 'postgresql' ? ['GDS_TEST_POSTGRESQL_URL', 'GDS_TEST_POSTGRES_URL'] : [`GDS_TEST_${engine.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`];
}

/**
 * Whether a Docker engine may be reachable: `DOCKER_HOST` is set or the default socket exists.
 *
 * ### Examples
 * ```ts
 * if (!dockerMayBeAvailable()) console.log('no Docker engine here');
 * ```
 */
export function dockerMayBeAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function startContainer(engine: TestEngine): Promise<ResolvedTestServer | string> {
  const spec = IMAGES[engine];
  if (!spec) return `no container image for ${engine}`;
  try {
    const tc = await import('testcontainers');
    const container = await new tc.GenericContainer(spec.image)
      .withEnvironment(spec.env)
      .withExposedPorts(spec.port)
      .withWaitStrategy(tc.Wait.forLogMessage(spec.log))
      .withStartupTimeout(180_000)
      .start();
    const url = spec.url(container.getHost(), container.getMappedPort(spec.port));
    return { kind: 'container', url, description: `${spec.image} in Docker (testcontainers)`, stop: async () => void (await container.stop()) };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return `testcontainers could not start ${spec.image}: ${message}`;
  }
}

/**
 * Why there is certainly no server for `engine` here (no URL variable, no Docker engine, and for
 * PostgreSQL no local binaries), or `undefined` when {@link resolveTestServer} may find one.
 * Synchronous, so that a test file can decide between `describe` and `describe.skip`.
 *
 * ### Examples
 * ```ts
 * const reason = testServerSkipReason('mongodb'); // 'mongodb real-server suite skipped: no GDS_TEST_MONGODB_URL; no Docker engine'
 * ```
 */
export function testServerSkipReason(engine: TestEngine, options: ResolveOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  if (testServerEnvNames(engine).some((n) => env[n])) return undefined;
  if (options.docker !== false && dockerMayBeAvailable(env) && IMAGES[engine]) return undefined;
  if (engine === 'postgresql' && options.local !== false && findPostgresBinaries()) return undefined;
  if (engine === 'mariadb' && options.local !== false && findMariadbBinaries()) return undefined;
  const reasons = [`no ${testServerEnvNames(engine)[0]}`, IMAGES[engine] ? 'no Docker engine' : 'no container image exists for it'];
  if (engine === 'postgresql') reasons.push(postgresMissingReason());
  if (engine === 'mariadb') reasons.push(options.local === false ? 'local MariaDB not allowed (local: false)' : mariadbMissingReason());
  return `${engine} real-server suite skipped: ${reasons.join('; ')}`;
}

/**
 * Finds a real server for `engine` (see the module comment for the order).
 *
 * ### Examples
 * ```ts
 * const server = await resolveTestServer('postgresql');
 * ```
 */
export async function resolveTestServer(engine: TestEngine, options: ResolveOptions = {}): Promise<ResolvedTestServer> {
  const env = options.env ?? process.env;
  for (const name of testServerEnvNames(engine)) {
    const url = env[name];
    if (url) return { kind: 'url', url, description: `${name}`, stop: async () => undefined };
  }
  const reasons: string[] = [`no ${testServerEnvNames(engine)[0]}`];
  if (options.docker !== false && dockerMayBeAvailable(env)) {
    const started = await startContainer(engine);
    if (typeof started !== 'string') return started;
    reasons.push(started);
  } else {
    reasons.push('no Docker engine');
  }
  if (engine === 'postgresql' && options.local !== false) {
    if (findPostgresBinaries()) {
      const cluster = await startPostgres();
      return { kind: 'local', url: cluster.primary.url('postgres'), description: `local PostgreSQL ${cluster.binaries.major} (throwaway cluster)`, stop: () => cluster.stop() };
    }
    reasons.push(postgresMissingReason());
  }
  if (engine === 'mariadb' && options.local !== false) {
    if (findMariadbBinaries()) {
      const db = await startMariadb();
      return { kind: 'local', url: db.primary.url(), description: `local MariaDB ${db.version} (throwaway server)`, stop: () => db.stop() };
    }
    reasons.push(mariadbMissingReason());
  }
  return { kind: 'skip', reason: `${engine} real-server suite skipped: ${reasons.join('; ')}` };
}
