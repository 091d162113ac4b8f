// The conformance suite run against the core's in-memory test engine: proves the suite itself
// runs end to end (the real engines run it against real servers or simulators).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { DatabaseManager, Secret, registerProvider, unregisterProvider, type Database } from '@gds/database';
import { memoryProvider, type MemoryConnection } from '../../gds-database/test/memory-provider.js';
import { runConformanceSuite } from '../src/jest.js';

const tmp = mkdtempSync(join(tmpdir(), 'gds-conf-self-'));
registerProvider(memoryProvider());
afterAll(() => {
  unregisterProvider('sqlite');
  rmSync(tmp, { recursive: true, force: true });
});

const serverOf = (db: Database) => (db.connection as MemoryConnection).server;
const sharedConfig = { type: 'sqlite' as const, host: 'conformance/main', password: new Secret('conformance-pw-7731') };

runConformanceSuite({
  name: 'in-memory test engine',
  connect: () => DatabaseManager.connect('memory://conformance/main'),
  seed: async (db) => {
    const entry = serverOf(db).databases.get(db.name)!;
    entry.tables = { main: ['orders', 'items'] };
    entry.rows = { orders: 10, items: 25 };
  },
  snapshot: async (db) => {
    const entry = serverOf(db).databases.get(db.name)!;
    return { tables: entry.tables, rows: entry.rows };
  },
  backupTarget: (label) => join(tmp, `${label}.json`),
  // one config object, one Secret, shared by the two managers of the secret case
  connectionConfig: () => sharedConfig,
  openSession: async (db) => {
    const entry = serverOf(db).databases.get(db.name)!;
    entry.sessions++;
    return async () => void entry.sessions--;
  },
});
