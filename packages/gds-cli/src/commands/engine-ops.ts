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

const num = (v: unknown, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`${name} takes a number, got '${String(v)}'`);
  return n;
};
const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

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
  {
    engine: 'mssql',
    name: 'recovery-model',
    args: ['<model>'],
    description: 'set the recovery model: simple | full | bulk_logged (simple breaks the log backup chain: asks first)',
    confirm: (db, [model]) => (String(model).toLowerCase() === 'simple' ? `switch ${JSON.stringify(db)} to the SIMPLE recovery model (this breaks its log backup chain)` : undefined),
    run: (db, [model], _o, ctx) => call(db, 'setRecoveryModel', String(model).toLowerCase(), ctx.changeOptions()),
  },
  {
    engine: 'mssql',
    name: 'shrink',
    description: 'DBCC SHRINKDATABASE (fragments indexes; prefer it rarely)',
    options: [
      ['--target-percent <n>', 'free space to leave, in percent'],
      ['--truncate-only', 'only release free space at the end of the files'],
    ],
    run: (db, _a, o, ctx) => call(db, 'shrink', { ...defined({ targetPercent: num(o.targetPercent, '--target-percent'), truncateOnly: o.truncateOnly ? true : undefined }), ...ctx.changeOptions() }),
  },
  {
    engine: 'mssql',
    name: 'check',
    description: 'DBCC CHECKDB: check the database for corruption',
    options: [
      ['--physical-only', 'check physical structure only (much faster)'],
      ['--no-index', 'skip nonclustered indexes'],
    ],
    run: (db, _a, o, ctx) => call(db, 'checkIntegrity', { ...defined({ physicalOnly: o.physicalOnly ? true : undefined, noIndex: o.index === false ? true : undefined }), ...ctx.changeOptions() }),
  },
  {
    engine: 'mssql',
    name: 'backup-history',
    description: 'recent backups of the database (msdb)',
    options: [
      ['--limit <n>', 'most recent backup sets to return'],
      ['--type <type>', 'full | differential | transaction_log'],
    ],
    run: async (db, _a, o, ctx) => ({ history: await call(db, 'backupHistory', { ...defined({ limit: num(o.limit, '--limit'), type: o.type }), ...ctx.readOptions() }) }),
  },
  {
    engine: 'mssql',
    name: 'backup-header',
    args: ['<source>'],
    description: 'RESTORE HEADERONLY: the backup sets in a backup file (a path on the server)',
    run: async (db, [source], _o, ctx) => ({ backupSets: await call(db, 'readBackupHeader', source, ctx.readOptions()) }),
  },
  {
    engine: 'mongodb',
    name: 'collections',
    description: 'the collections of the database, views and time series marked',
    options: [
      ['--no-views', 'leave views out'],
      ['--system', 'include system.* collections'],
    ],
    run: async (db, _a, o, ctx) => ({ collections: await call(db, 'listCollections', { includeViews: o.views !== false, includeSystem: Boolean(o.system), ...ctx.readOptions() }) }),
  },
  {
    engine: 'mongodb',
    name: 'profiling',
    args: ['[level]'],
    description: 'show the profiling level, or set it: 0 off | 1 slow operations | 2 all',
    options: [
      ['--slow-ms <ms>', 'operations slower than this are slow'],
      ['--sample-rate <r>', 'fraction of slow operations profiled (0 to 1)'],
    ],
    run: async (db, [level], o, ctx) => {
      if (level === undefined) return { profiling: await call(db, 'getProfilingLevel', ctx.readOptions()) };
      if (!['0', '1', '2'].includes(level)) throw new UsageError(`the profiling level is 0, 1 or 2, got '${level}'`);
      return call(db, 'setProfilingLevel', Number(level), { ...defined({ slowMs: num(o.slowMs, '--slow-ms'), sampleRate: num(o.sampleRate, '--sample-rate') }), ...ctx.changeOptions() });
    },
  },
  {
    engine: 'snowflake',
    name: 'clone',
    args: ['<target>'],
    description: 'zero-copy clone into a new database (Time Travel with --opt at=... or before=...)',
    options: [['--opt <key=value...>', 'a clone option (repeatable), e.g. --opt transient=true']],
    run: (db, [target], o, ctx) => call(db, 'clone', target, { ...defined({ ...o, opt: undefined }), ...ctx.changeOptions() }),
  },
  {
    engine: 'snowflake',
    name: 'undrop',
    description: 'bring back the most recently dropped database of this name (Time Travel)',
    run: (db, _a, _o, ctx) => call(db, 'undrop', ctx.changeOptions()),
  },
  {
    engine: 'snowflake',
    name: 'retention',
    args: ['<days>'],
    description: 'set DATA_RETENTION_TIME_IN_DAYS (0 disables Time Travel and UNDROP: asks first)',
    confirm: (db, [days]) => (Number(days) === 0 ? `set the retention time of ${JSON.stringify(db)} to 0 days (no Time Travel, no UNDROP)` : undefined),
    run: (db, [days], _o, ctx) => call(db, 'setRetentionTime', num(days, '<days>'), ctx.changeOptions()),
  },
]);

