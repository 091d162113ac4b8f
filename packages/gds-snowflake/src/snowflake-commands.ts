/**
 * The CLI commands of the Snowflake engine (`gds snowflake clone|undrop|retention <db>`): each
 * calls the engine's own method on its SnowflakeDatabase, typed. The CLI runs them with the same
 * confirmation, dry run, output and signals as its core commands.
 *
 * @module
 */
import { ValidationError } from '@gds/database';
import type { EngineCommand } from '@gds/database/engine';
import type { SnowflakeDatabase } from './snowflake-database.js';

const defined = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** A number from the command line, or a ValidationError naming the argument (a usage error, exit 2, for the CLI). */
function num(v: string | undefined, name: string): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n)) throw new ValidationError(`${name} takes a number, got '${String(v)}'`, [{ path: `/${name.replace(/[<>]/g, '')}`, message: 'must be a number' }], { engine: 'snowflake' });
  return n;
}

/**
 * The Snowflake engine's CLI commands (the definition's `commands`).
 *
 * ### Examples
 * ```ts
 * SNOWFLAKE_COMMANDS.map((c) => c.name); // ['clone', 'undrop', 'retention']
 * ```
 */
export const SNOWFLAKE_COMMANDS: readonly EngineCommand<SnowflakeDatabase>[] = Object.freeze([
  {
    name: 'clone',
    args: ['<target>'],
    description: 'zero-copy clone into a new database (Time Travel with --opt at=... or before=...)',
    options: [['--opt <key=value...>', 'a clone option (repeatable), e.g. --opt transient=true']],
    run: (db, [target], o, ctx) => db.clone(target ?? '', { ...defined({ ...o, opt: undefined }), ...ctx.changeOptions() }),
  },
  {
    name: 'undrop',
    description: 'bring back the most recently dropped database of this name (Time Travel)',
    run: (db, _a, _o, ctx) => db.undrop(ctx.changeOptions()),
  },
  {
    name: 'retention',
    args: ['<days>'],
    description: 'set DATA_RETENTION_TIME_IN_DAYS (0 disables Time Travel and UNDROP: asks first)',
    confirm: (db, [days]) => (Number(days) === 0 ? `set the retention time of ${JSON.stringify(db)} to 0 days (no Time Travel, no UNDROP)` : undefined),
    run: async (db, [days], _o, ctx) => db.setRetentionTime(num(days, '<days>'), ctx.changeOptions()),
  },
] satisfies EngineCommand<SnowflakeDatabase>[]);
