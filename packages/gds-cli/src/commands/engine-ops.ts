/**
 * Engine-specific operations, reachable under the engine's name (`gds postgres vacuum <db>`).
 * Each is static data (so that `gds --help` lists them without loading an engine) plus a `run`
 * that calls the engine's own method on its Database object. This module is data only: it is
 * loaded for `--help`, so it imports nothing heavy (see engine-run.ts for running one).
 *
 * @module
 */
import type { Database, OperationResult } from '@gds/database';
import type { CliContext } from '../context.js';
import { UsageError } from '../usage-error.js';

/** One engine operation. */
export interface EngineOperation {
  /** The engine it belongs to (`postgresql`, `mssql`, `mongodb`, `snowflake`). */
  engine: string;
  /** The sub-command name. */
  name: string;
  /** Extra positional arguments after `<db>`, e.g. `['<model>']`. */
  args?: string[];
  /** One line for `--help`. */
  description: string;
  /** Commander option flags and descriptions. */
  options?: [flags: string, description: string][];
  /** Whether to ask for confirmation (a description of the danger), given the options. */
  confirm?: (db: string, args: string[], options: Record<string, unknown>) => string | undefined;
  /** Calls the engine's method; returns an OperationResult (a change) or data to print. */
  run(db: Database, args: string[], options: Record<string, unknown>, ctx: CliContext): Promise<OperationResult | Record<string, unknown>>;
}

type Method = (...args: unknown[]) => Promise<OperationResult | Record<string, unknown>>;

function call(db: Database, method: string, ...args: unknown[]): Promise<OperationResult | Record<string, unknown>> {
  const fn = (db as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new UsageError(`${db.type} databases have no ${method}() in the installed engine package`);
  return (fn as Method).apply(db, args);
}

/** The engine operations the CLI offers. */
export const ENGINE_OPERATIONS: readonly EngineOperation[] = Object.freeze([
  {
    engine: 'postgresql',
    name: 'vacuum',
    description: 'VACUUM the database (or --table ones); --full rewrites tables and locks them',
    options: [
      ['--full', 'VACUUM FULL: rewrite tables and return space to the OS'],
      ['--no-analyze', 'skip refreshing planner statistics'],
      ['--freeze', 'freeze tuples aggressively'],
      ['--verbose', 'print per-table details'],
      ['--table <name...>', 'only these tables (schema.name or name)'],
    ],
    confirm: (db, _a, o) => (o.full ? `VACUUM FULL ${JSON.stringify(db)} (takes exclusive locks while it rewrites tables)` : undefined),
    run: (db, _args, o, ctx) =>
      call(db, 'vacuum', {
        full: Boolean(o.full),
        analyze: o.analyze !== false,
        freeze: Boolean(o.freeze),
        verbose: Boolean(o.verbose),
        ...(Array.isArray(o.table) ? { tables: (o.table as string[]).map((t) => (t.includes('.') ? { schema: t.slice(0, t.indexOf('.')), name: t.slice(t.indexOf('.') + 1) } : t)) } : {}),
        ...ctx.changeOptions(),
      }),
  },
]);

