// The shared conformance suite against a real PostgreSQL server (a throwaway local cluster, or
// GDS_TEST_POSTGRESQL_URL, or a container where Docker runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseManager } from '@gds/database';
import { describeWithServer, runConformanceSuite } from '@gds/testkit/jest';
import '../src/index.js';
import { fingerprint, seed } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-pg-conf-'));

describeWithServer('postgresql', 'PostgreSQL (real server)', (server) => {
  runConformanceSuite({
    name: 'postgresql',
    connect: () => DatabaseManager.connect(server().url),
    seed: (db) => seed(db),
    snapshot: (db) => fingerprint(db),
    backupTarget: (label) => join(tmp, `${label}.dump`),
    teardown: async () => rmSync(tmp, { recursive: true, force: true }),
  });
});
