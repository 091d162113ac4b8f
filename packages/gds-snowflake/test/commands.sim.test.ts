// The engine's CLI commands (snowflake-commands.ts) run against the loopback Snowflake simulator
// (not a real account) with the real snowflake-sdk: what each sends, and that a dry run sends nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DatabaseManager, OperationResult, ValidationError, type MutationOptions } from '@gds/database';
import type { EngineCommand, EngineCommandContext } from '@gds/database/engine';
import type { SnowflakeSimulator } from '@gds/testkit/snowflake';
import { snowflakeEngine, type SnowflakeDatabase } from '../src/index.js';
import { simUrl, startSim } from './sim-helpers.js';
import { loadDriverFirst } from './load-driver.js';

loadDriverFirst();
jest.setTimeout(30_000); // real snowflake-sdk logins and statements over HTTP: room for a loaded CI machine (jest's default is 5 s)

let sim: SnowflakeSimulator;
let manager: DatabaseManager;
beforeAll(async () => {
  sim = await startSim();
  manager = await DatabaseManager.connect(simUrl(sim, { role: 'SYSADMIN' }));
});
afterAll(async () => {
  await manager?.close();
  await sim?.close();
});
beforeEach(() => {
  sim.clearRecords();
  sim.reply(/^(CREATE|ALTER|UNDROP) /, { columns: [{ name: 'status', type: 'text' }], rows: [['ok']] });
});

const command = (name: string) => snowflakeEngine.commands.find((c) => c.name === name) as EngineCommand<SnowflakeDatabase>;
const ctx = (change: MutationOptions = {}): EngineCommandContext => ({ changeOptions: () => change, readOptions: () => ({}) });
const sent = () => sim.queries.map((q) => q.sqlText);
const db = (name: string) => manager.getDatabase(name) as SnowflakeDatabase;

describe('Snowflake CLI commands (simulator)', () => {
  it('clone, undrop and retention call the database methods and send their statements', async () => {
    const results = [
      await command('clone').run(db('SALES'), ['SALES_DEV'], { transient: true, opt: ['transient=true'] }, ctx()),
      await command('undrop').run(db('OLD'), [], {}, ctx()),
      await command('retention').run(db('SALES'), ['7'], {}, ctx()),
    ];
    expect(results.every((r) => r instanceof OperationResult && r.isSuccess())).toBe(true);
    expect(sent()).toEqual(['CREATE TRANSIENT DATABASE "SALES_DEV" CLONE "SALES"', 'UNDROP DATABASE "OLD"', 'ALTER DATABASE "SALES" SET DATA_RETENTION_TIME_IN_DAYS = 7']);
  });

  it('a dry run records the statement and sends nothing', async () => {
    const result = (await command('retention').run(db('SALES'), ['0'], {}, ctx({ dryRun: true }))) as OperationResult;
    expect(result.statements).toEqual(['ALTER DATABASE "SALES" SET DATA_RETENTION_TIME_IN_DAYS = 0']);
    expect(sent()).toEqual([]);
  });

  it('asks before a retention of 0 days only, and refuses a retention that is not a number before sending anything', async () => {
    expect(command('retention').confirm?.('SALES', ['0'], {})).toBe('set the retention time of "SALES" to 0 days (no Time Travel, no UNDROP)');
    expect(command('retention').confirm?.('SALES', ['7'], {})).toBeUndefined();
    await expect(command('retention').run(db('SALES'), ['a week'], {}, ctx())).rejects.toThrow(ValidationError);
    const error = await command('retention').run(db('SALES'), ['a week'], {}, ctx()).then(() => undefined, (e: unknown) => e);
    expect((error as ValidationError).message).toContain("<days> takes a number, got 'a week'");
    expect((error as ValidationError).issues).toEqual([{ path: '/days', message: 'must be a number' }]); // the CLI's usage error (exit 2) shape
    expect(sent()).toEqual([]);
  });
});
