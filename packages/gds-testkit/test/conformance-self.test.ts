// The conformance suite run against the core's in-memory test engine: proves the suite itself
// runs end to end (the real engines run it against real servers or simulators).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import * as core from '@gds/database';
import { DatabaseManager, Secret, registerProvider, unregisterProvider, type Database } from '@gds/database';
import Type from 'typebox';
import { memoryProvider, type MemoryConnection } from '../../gds-database/test/memory-provider.js';
import { describeOptionSchemas, runConformanceSuite, unboundedNumbers } from '../src/jest.js';

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

// the numeric-bounds check of describeOptionSchemas (issue 12 item 10), on the core's option schemas
describeOptionSchemas('@gds/database (numeric bounds)', core, 50, { numericBounds: true });

describe('unboundedNumbers (issue 12 item 10)', () => {
  it('finds numeric options a timer or a server limit cannot honour, however deep', () => {
    const schema = Type.Object({
      waitMs: Type.Optional(Type.Integer({ minimum: 1 })),
      lagSecs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000 })),
      poolSize: Type.Optional(Type.Integer({ minimum: 1 })),
      members: Type.Array(Type.Object({ delaySecs: Type.Integer({ minimum: 0 }) })),
      timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: core.MAX_TIMER_MS })),
      ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    });
    expect(unboundedNumbers(schema)).toEqual([
      '/waitMs: no maximum (at most 2147483647)',
      '/lagSecs: maximum 10000000 is above 2147483, what a timer honours',
      '/poolSize: no maximum',
      '/members/items/delaySecs: no maximum (at most 2147483)',
    ]);
    expect(unboundedNumbers(core.MutationOptionsSchema)).toEqual([]);
  });
});
