// The shared conformance suite against a real PostgreSQL server (a throwaway local cluster, or
// GDS_TEST_POSTGRESQL_URL, or a container where Docker runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DatabaseManager, Secret, type ConnectionConfig } from '@gds/database';
import { describeWithServer, runConformanceSuite } from '@gds/testkit/jest';
import postgres from 'postgres';
import '../src/index.js';
import { parsePostgresUrl } from '../src/postgres-config.js';
import { fingerprint, seed } from './helpers.js';

// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

const tmp = mkdtempSync(join(tmpdir(), 'gds-pg-conf-'));

describeWithServer('postgresql', 'PostgreSQL (real server)', (server) => {
  runConformanceSuite({
    name: 'postgresql',
    connect: () => DatabaseManager.connect(server().url),
    // ONE config object holding a Secret (the safety case connects two managers from it); a
    // trust-auth local cluster accepts any password, a server from a URL gets its own.
    connectionConfig: (): ConnectionConfig => {
      const { password, ...rest } = parsePostgresUrl(server().url);
      return { ...rest, type: 'postgresql', password: password instanceof Secret ? password : new Secret(password ?? 'gds-conformance-pw') };
    },
    // another client's session (its own driver, not gds's pool), open until the closer runs
    openSession: async (db) => {
      const { password, ...rest } = parsePostgresUrl(server().url);
      const pass = password instanceof Secret ? password.reveal() : password;
      const sql = postgres({ host: rest.host, port: rest.port, user: rest.user, ...(pass ? { pass } : {}), database: db.name, max: 1, onnotice: () => undefined });
      const [row] = await sql<{ name: string }[]>`select current_database() as name`;
      if (row?.name !== db.name) throw new Error(`the second session landed in ${String(row?.name)}, not ${db.name}`);
      return () => sql.end({ timeout: 5 });
    },
    seed: (db) => seed(db),
    snapshot: (db) => fingerprint(db),
    backupTarget: (label) => join(tmp, `${label}.dump`),
    teardown: async () => rmSync(tmp, { recursive: true, force: true }),
  });
});
