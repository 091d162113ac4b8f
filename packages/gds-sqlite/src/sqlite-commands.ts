/**
 * The CLI commands of the SQLite engine (`gds sqlite vacuum <db>`...): each calls the engine's
 * own method on its SQLiteDatabase, typed. The CLI runs them with the same confirmation, dry
 * run, output and signals as its core commands.
 *
 * @module
 */
import type { EngineCommand } from '@gds/database/engine';
import type { SQLiteDatabase } from './sqlite-database.js';
import { CHECKPOINT_MODES, type CheckpointOptions } from './sqlite-options.js';

/**
 * The SQLite engine's CLI commands (the definition's `commands`).
 *
 * ### Examples
 * ```ts
 * SQLITE_COMMANDS.map((c) => c.name); // ['vacuum', 'analyze', 'optimize', 'check', 'checkpoint']
 * ```
 */
export const SQLITE_COMMANDS: readonly EngineCommand<SQLiteDatabase>[] = Object.freeze([
  {
    name: 'vacuum',
    description: 'VACUUM the database file: rebuild it and return free pages to the file system',
    confirm: (db) => `VACUUM ${JSON.stringify(db)} (rewrites the whole file; needs free space about its size and blocks writers while it runs)`,
    run: (db, _a, _o, ctx) => db.vacuum(ctx.changeOptions()),
  },
  {
    name: 'analyze',
    description: 'ANALYZE: gather statistics for the query planner',
    run: (db, _a, _o, ctx) => db.analyze(ctx.changeOptions()),
  },
  {
    name: 'optimize',
    description: 'PRAGMA optimize: let SQLite analyze where it expects it to help',
    run: (db, _a, _o, ctx) => db.optimize(ctx.changeOptions()),
  },
  {
    name: 'check',
    description: 'PRAGMA integrity_check (or --quick: quick_check) on the database file, opened read-only',
    options: [
      ['--quick', 'quick_check: skip index contents and UNIQUE checks (much faster)'],
      ['--max-errors <n>', 'stop after n problems (default 100)'],
    ],
    run: (db, _a, o, ctx) => db.checkIntegrity({ quick: Boolean(o.quick), ...(o.maxErrors !== undefined ? { maxErrors: Number(o.maxErrors) } : {}), ...ctx.changeOptions() }),
  },
  {
    name: 'checkpoint',
    description: 'PRAGMA wal_checkpoint: copy the WAL into the database file',
    options: [['--mode <mode>', `${CHECKPOINT_MODES.join(', ')} (default passive)`]],
    run: (db, _a, o, ctx) => db.checkpoint({ ...(o.mode !== undefined ? { mode: String(o.mode) as NonNullable<CheckpointOptions['mode']> } : {}), ...ctx.changeOptions() }),
  },
] satisfies EngineCommand<SQLiteDatabase>[]);
