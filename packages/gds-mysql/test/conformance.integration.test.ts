// The shared conformance suite (and its safety cases) against real servers: MariaDB (a throwaway
// local mariadbd, or GDS_TEST_MARIADB_URL) and MySQL (GDS_TEST_MYSQL_URL); see servers.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DatabaseManager, Secret, type ConnectionConfig } from '@gds/database';
import { runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import { parseMysqlUrl } from '../src/mysql-config.js';
import { fingerprint, rawSession, seed } from './helpers.js';
import { describeWithMysqlServers } from './servers.js';

// The conformance suite's cases (declared by @gds/testkit) have no timeout of their own, so jest's
// 5 s default; several take 1-2.5 s here on a quiet machine: 60 s each for a loaded CI machine.
jest.setTimeout(60_000);

const tmp = mkdtempSync(join(tmpdir(), 'gds-mysql-conf-'));

describeWithMysqlServers('conformance', (server) => {
  runConformanceSuite({
    name: 'mysql',
    connect: () => DatabaseManager.connect(server().url),
    connectionConfig: (): ConnectionConfig => {
      const { password, ...rest } = parseMysqlUrl(server().url);
      return { ...rest, type: 'mysql', password: password instanceof Secret ? password : new Secret(password ?? '') };
    },
    openSession: async (db) => {
      const s = await rawSession(server().url, db.name);
      const [rows] = await s.query('SELECT DATABASE() AS name');
      const name = (rows as { name: string }[])[0]?.name;
      if (name !== db.name) throw new Error(`the second session landed in ${String(name)}, not ${db.name}`);
      return () => s.end();
    },
    seed: (db) => seed(server().url, db),
    snapshot: (db) => fingerprint(server().url, db),
    backupTarget: (label) => join(tmp, `${label}.sql`),
    teardown: async () => rmSync(tmp, { recursive: true, force: true }),
  });
});
