// The engine's CLI commands (mssqlEngine.commands) run against the TDS simulator the way the CLI
// runs them: typed calls of MSSQLDatabase methods with the CLI's change/read options.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ValidationError, type DatabaseManager, type OperationResult } from '@gds/database';
import type { EngineCommand, EngineCommandContext } from '@gds/database/engine';
import type { TdsSimulator } from '@gds/testkit/tds';
import { mssqlEngine, type MSSQLDatabase } from '../src/index.js';
import { acceptChanges, connect, exists, startSim } from './sim.js';

let sim: TdsSimulator;
let manager: DatabaseManager;
const dryRun: EngineCommandContext = { changeOptions: () => ({ dryRun: true }), readOptions: () => ({}) };
const command = (name: string) => mssqlEngine.commands.find((c) => c.name === name) as EngineCommand<MSSQLDatabase>;
const changes = () => sim.queries().filter((q) => /^(ALTER|DBCC)/.test(q.sql));

beforeAll(async () => {
  sim = await startSim();
  manager = await connect(sim);
});
afterAll(async () => {
  await manager.close();
  await sim.close();
});
beforeEach(() => sim.reset());

describe('SQL Server CLI commands (simulator)', () => {
  it('shrink and check as dry runs: the statements, nothing sent', async () => {
    exists(sim, true);
    acceptChanges(sim);
    const db = manager.getDatabase('app') as MSSQLDatabase;
    const shrink = (await command('shrink').run(db, [], { targetPercent: '10' }, dryRun)) as OperationResult;
    expect(shrink.statements).toEqual(["DBCC SHRINKDATABASE (@db, @target) WITH NO_INFOMSGS -- @db = N'app', @target = 10"]);
    const check = (await command('check').run(db, [], { physicalOnly: true, index: false }, dryRun)) as OperationResult;
    expect(check.statements).toEqual(["DBCC CHECKDB (@db, NOINDEX) WITH NO_INFOMSGS, ALL_ERRORMSGS, PHYSICAL_ONLY -- @db = N'app'"]);
    expect(changes()).toEqual([]);
  });

  it('recovery-model runs SET RECOVERY on the server; a non-number is refused before anything is sent', async () => {
    exists(sim, true);
    acceptChanges(sim);
    const db = manager.getDatabase('app') as MSSQLDatabase;
    await command('recovery-model').run(db, ['FULL'], {}, { ...dryRun, changeOptions: () => ({}) });
    expect(changes().map((q) => q.sql)).toEqual(['ALTER DATABASE [app] SET RECOVERY FULL']);
    sim.reset();
    await expect(command('shrink').run(db, [], { targetPercent: 'lots' }, dryRun)).rejects.toThrow(ValidationError);
    await expect(command('backup-history').run(db, [], { limit: 'x' }, dryRun)).rejects.toMatchObject({ issues: [{ path: '--limit', message: "must be a number, got 'x'" }] });
    expect(sim.queries()).toEqual([]);
  });
});
