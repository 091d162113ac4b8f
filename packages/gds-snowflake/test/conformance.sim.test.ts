// The shared conformance suite (with its safety cases) with the real snowflake-sdk against the
// Snowflake simulator's account model (a simulator, not a real account: the real-account run is
// real-server.integration.test.ts). A database's data is the model's content token: seed() sets
// it, snapshot() reads it, and clone/swap carry it as Snowflake carries the data.
import { afterAll, beforeAll, jest } from '@jest/globals';
import { DatabaseManager, Secret, type Database } from '@gds/database';
import { runConformanceSuite } from '@gds/testkit/jest';
import type { SnowflakeSimulator } from '@gds/testkit/snowflake';
import '../src/index.js';
import { PASSWORD, USER, simUrl, startSim } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let sim: SnowflakeSimulator;
beforeAll(async () => {
  sim = await startSim();
});
afterAll(async () => {
  await sim?.close();
});

runConformanceSuite({
  name: 'snowflake (simulator)',
  connect: () => DatabaseManager.connect(simUrl(sim, { role: 'SYSADMIN' })),
  seed: async (db: Database) => {
    const entry = sim.model.database(db.name);
    if (!entry) throw new Error(`seed: ${db.name} does not exist in the simulator`);
    entry.content = 'ORDERS: 500 rows, checksum 7f3a';
  },
  snapshot: async (db: Database) => sim.model.database(db.name)?.content,

  backupTarget: (label) => `gds_conf_bk_${label}`,
  localBackupFiles: 'a Snowflake backup is a zero-copy clone (a database name), not a file',
  garbageSources: async (label) => {
    // a database that existed and was dropped: the name is known but no longer clonable
    const name = `gds_conf_dropped_${label}`;
    sim.model.addDatabase({ name, content: 'gone' });
    sim.model.execute(`DROP DATABASE "${name}"`, [], { parameters: new Map(), userParameters: {} });
    return [name];
  },
  connectionConfig: () => ({ type: 'snowflake', account: sim.account, username: USER, password: new Secret(PASSWORD), host: '127.0.0.1', port: sim.port, protocol: 'http' }),
  skipSafety: { 'sessions-without-force': 'Snowflake has no sessions attached to a database: drop and restore never end or wait for other sessions' },
});
