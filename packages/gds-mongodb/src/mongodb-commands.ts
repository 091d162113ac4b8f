/**
 * The CLI commands of the MongoDB engine (`gds mongodb collections <db>`, `gds mongodb profiling
 * <db> [level]`), typed against {@link MongoDBDatabase}: they call its methods directly. The CLI
 * runs them with the same confirmation, dry run, output and signals as its core commands.
 *
 * @module
 */
import { ValidationError } from '@gds/database';
import type { EngineCommand } from '@gds/database/engine';
import type { MongoDBDatabase } from './mongodb-database.js';

/** A number option of the command line, or a ValidationError naming the flag. */
function num(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ValidationError(`${flag} takes a number, got '${String(value)}'`, [{ path: flag, message: 'must be a number' }], { engine: 'mongodb' });
  return n;
}

/**
 * The MongoDB engine's CLI commands.
 *
 * ### Examples
 * ```ts
 * const collections = MONGODB_COMMANDS.find((c) => c.name === 'collections');
 * ```
 */
export const MONGODB_COMMANDS: readonly EngineCommand<MongoDBDatabase>[] = Object.freeze([
  {
    name: 'collections',
    description: 'the collections of the database, views and time series marked',
    options: [
      ['--no-views', 'leave views out'],
      ['--system', 'include system.* collections'],
    ],
    run: async (db, _a, o, ctx) => ({ collections: await db.listCollections({ includeViews: o.views !== false, includeSystem: Boolean(o.system), ...ctx.readOptions() }) }),
  },
  {
    name: 'profiling',
    args: ['[level]'],
    description: 'show the profiling level, or set it: 0 off | 1 slow operations | 2 all',
    options: [
      ['--slow-ms <ms>', 'operations slower than this are slow'],
      ['--sample-rate <r>', 'fraction of slow operations profiled (0 to 1)'],
    ],
    run: async (db, [level], o, ctx) => {
      if (level === undefined) return { profiling: await db.getProfilingLevel(ctx.readOptions()) };
      if (level !== '0' && level !== '1' && level !== '2') throw new ValidationError(`the profiling level is 0, 1 or 2, got '${level}'`, [{ path: '/level', message: 'must be 0, 1 or 2' }], { engine: 'mongodb', operation: 'setProfilingLevel' });
      const slowMs = num(o.slowMs, '--slow-ms');
      const sampleRate = num(o.sampleRate, '--sample-rate');
      return db.setProfilingLevel(Number(level) as 0 | 1 | 2, { ...(slowMs === undefined ? {} : { slowMs }), ...(sampleRate === undefined ? {} : { sampleRate }), ...ctx.changeOptions() });
    },
  },
]);
