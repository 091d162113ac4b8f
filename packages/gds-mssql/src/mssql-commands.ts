/**
 * The CLI commands only SQL Server has (`gds mssql shrink <db>`...), typed against
 * {@link MSSQLDatabase}: each calls the method directly. The CLI runs them with its own
 * confirmation, dry run, output and signals (flags, descriptions and confirm texts are the CLI's
 * documented ones).
 *
 * @module
 */
import { ValidationError } from '@gds/database';
import type { EngineCommand } from '@gds/database/engine';
import type { MSSQLDatabase } from './mssql-database.js';
import type { BackupHistoryOptions, RecoveryModel } from './mssql-options.js';

const num = (v: unknown, name: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  // a schema-like issue (path and 'must ...'): the CLI reports it as a usage error (exit 2)
  if (!Number.isFinite(n)) throw new ValidationError('Invalid option', [{ path: name, message: `must be a number, got '${String(v)}'` }], { engine: 'mssql' });
  return n;
};
const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * SQL Server's CLI commands.
 *
 * ### Examples
 * ```ts
 * MSSQL_COMMANDS.map((c) => c.name); // ['recovery-model', 'shrink', 'check', 'backup-history', 'backup-header']
 * ```
 */
export const MSSQL_COMMANDS: readonly EngineCommand<MSSQLDatabase>[] = Object.freeze([
  {
    name: 'recovery-model',
    args: ['<model>'],
    description: 'set the recovery model: simple | full | bulk_logged (simple breaks the log backup chain: asks first)',
    confirm: (db, [model]) => (String(model).toLowerCase() === 'simple' ? `switch ${JSON.stringify(db)} to the SIMPLE recovery model (this breaks its log backup chain)` : undefined),
    run: async (db, [model], _o, ctx) => db.setRecoveryModel(String(model).toLowerCase() as RecoveryModel, ctx.changeOptions()),
  },
  {
    name: 'shrink',
    description: 'DBCC SHRINKDATABASE (fragments indexes; prefer it rarely)',
    options: [
      ['--target-percent <n>', 'free space to leave, in percent'],
      ['--truncate-only', 'only release free space at the end of the files'],
    ],
    run: async (db, _a, o, ctx) => db.shrink({ ...defined({ targetPercent: num(o.targetPercent, '--target-percent'), truncateOnly: o.truncateOnly ? true : undefined }), ...ctx.changeOptions() }),
  },
  {
    name: 'check',
    description: 'DBCC CHECKDB: check the database for corruption',
    options: [
      ['--physical-only', 'check physical structure only (much faster)'],
      ['--no-index', 'skip nonclustered indexes'],
    ],
    run: async (db, _a, o, ctx) => db.checkIntegrity({ ...defined({ physicalOnly: o.physicalOnly ? true : undefined, noIndex: o.index === false ? true : undefined }), ...ctx.changeOptions() }),
  },
  {
    name: 'backup-history',
    description: 'recent backups of the database (msdb)',
    options: [
      ['--limit <n>', 'most recent backup sets to return'],
      ['--type <type>', 'full | differential | transaction_log'],
    ],
    run: async (db, _a, o, ctx) => ({ history: await db.backupHistory({ ...defined({ limit: num(o.limit, '--limit'), type: o.type as BackupHistoryOptions['type'] }), ...ctx.readOptions() }) }),
  },
  {
    name: 'backup-header',
    args: ['<source>'],
    description: 'RESTORE HEADERONLY: the backup sets in a backup file (a path on the server)',
    run: async (db, [source], _o, ctx) => ({ backupSets: await db.readBackupHeader(source ?? '', ctx.readOptions()) }),
  },
]);
